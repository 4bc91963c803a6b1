/**
 * Config changes from the downlink, one after another, until killed (run by config-crash.test.ts,
 * built by core/module-build.js): each is staged, swapped in, started on (the start path's first look),
 * then kept or rolled back, alternating configs A and B. Prints each step before it begins.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  clearMarker,
  configFilePaths,
  prepareConfigStart,
  readMarker,
  rollBackConfig,
  stageConfig,
  swapConfig,
  writeMarker,
} from '../../gateway/downlink/config-files.ts';

const [dir = ''] = process.argv.slice(2);
const paths = configFilePaths(join(dir, 'site.yaml'));
const texts = [readFileSync(join(dir, 'a.yaml'), 'utf8'), readFileSync(join(dir, 'b.yaml'), 'utf8')];
const step = (s: string) => process.stdout.write(`${s}\n`);
for (let n = 1; ; n++) {
  const running = readFileSync(paths.running, 'utf8');
  const next = texts[running === texts[0] ? 1 : 0] ?? '';
  step(`stage ${n}`);
  const staged = stageConfig(paths, next, {
    envelopeId: `cfg-${n}`,
    topic: 'central/dl/down/config',
    version: n,
  });
  step(`swap ${n}`);
  swapConfig(paths, staged);
  step(`start ${n}`);
  const state = prepareConfigStart(paths);
  const marker = readMarker(paths);
  if (state.trial && marker && n % 2 === 0) {
    step(`rollback ${n}`);
    rollBackConfig(paths, marker, 'not ready');
  } else if (marker) {
    step(`keep ${n}`);
    writeMarker(paths, { ...marker, state: 'applied' });
  }
  step(`clear ${n}`);
  clearMarker(paths);
}
