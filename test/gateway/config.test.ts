import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ErrorCode, isGatepostError } from '../../core/errors.ts';
import { checkConfigCommand } from '../../gateway/cli/check-config-command.ts';
import { loadConfigFile, parseConfig } from '../../site-config/load.ts';

const demoRaw = () => parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;

function problemsOf(raw: unknown): { path: string; message: string }[] {
  try {
    parseConfig(raw);
  } catch (e) {
    if (isGatepostError(e, ErrorCode.ConfigInvalid))
      return e.details?.problems as { path: string; message: string }[];
    throw e;
  }
  throw new Error('config was accepted');
}

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream, text: () => text };
}

describe('site config', () => {
  it('loads the demo: two checkpoints of two lanes, five zones, 1,200 truck bays', () => {
    const cfg = loadConfigFile('config/demo.yaml');
    expect(cfg.checkpoints.map((c) => [c.id, c.lanes.length])).toEqual([
      ['east', 2],
      ['west', 2],
    ]);
    expect(cfg.yard.zones.map((z) => z.kind).sort()).toEqual([
      'handover',
      'isolation',
      'living',
      'parking',
      'work',
    ]);
    const bays = cfg.yard.zones.flatMap((z) => z.bays).reduce((n, r) => n + r.to - r.from + 1, 0);
    expect(bays).toBe(1200);
    const sensed = cfg.yard.baySensorBuses
      .flatMap((b) => b.sensors)
      .reduce((n, r) => n + r.toBay - r.fromBay + 1, 0);
    expect(sensed).toBe(1200);
    // Datasheet defaults are filled in.
    const lane = cfg.checkpoints[0]?.lanes[0];
    const scanner = lane?.devices.scanner;
    expect(scanner?.kind === 'evdev' ? undefined : scanner?.terminator).toBe('CR');
    expect(lane?.devices.thermometer?.pollIntervalMs).toBe(200);
    expect(cfg.rules.feverC).toBe(37.3);
  });

  it('names the field path and the problem in plain words', () => {
    const raw = demoRaw();
    raw.checkpoints[0].lanes[1].devices.scanner.port.baudRate = 'fast';
    raw.broker.tcp.prot = 1883;
    raw.rules = { feverC: 50 };
    const problems = problemsOf(raw);
    expect(problems).toContainEqual({
      path: 'checkpoints[0].lanes[1].devices.scanner.port.baudRate',
      message: 'must be a number, not the text "fast"',
    });
    expect(problems).toContainEqual({ path: 'broker.tcp', message: 'unknown field "prot"' });
    expect(problems).toContainEqual({ path: 'rules.feverC', message: 'must be at most 42' });
  });

  it('refuses duplicate lane ids, shared serial ports and GPIO lines, and bays defined twice', () => {
    const raw = demoRaw();
    raw.checkpoints[1].lanes[0].id = 'east-1';
    raw.checkpoints[1].lanes[1].devices.scanner.port.path = 'var/dev/east-1-scanner';
    raw.checkpoints[1].lanes[1].devices.barrier.lines.loop = 14;
    raw.yard.zones[3].bays[0].prefix = 'P';
    const messages = problemsOf(raw).map((p) => `${p.path}: ${p.message}`);
    expect(messages).toContain('checkpoints[1].lanes[0].id: lane id "east-1" is used twice');
    expect(messages).toContain(
      'checkpoints[1].lanes[1].devices.scanner.port.path: serial port var/dev/east-1-scanner is already used by east-1 scanner',
    );
    expect(messages).toContain(
      'checkpoints[1].lanes[1].devices.barrier.lines.loop: GPIO line virtual:14 is already used by east-1 loop',
    );
    expect(messages).toContain('yard.zones[3].bays[0]: bay P-0001 is defined twice');
  });

  it('keeps truck bays out of the work and living areas', () => {
    const raw = demoRaw();
    raw.yard.zones[0].bays = [{ prefix: 'W', from: 1, to: 3 }];
    expect(problemsOf(raw)).toContainEqual({
      path: 'yard.zones[0].bays',
      message: 'work and living areas have no truck bays',
    });
  });

  it('check-config exits 0 for the demo and 1 with the problems for a broken file', async () => {
    const ok = sink();
    expect(await checkConfigCommand(['config/demo.yaml'], ok.stream, ok.stream)).toBe(0);
    expect(ok.text()).toContain('valid (site demo, 2 checkpoints, 4 lanes, 1 yard exit lanes, 1200 bays)');

    const dir = mkdtempSync(join(tmpdir(), 'gatepost-cfg-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync('config/demo.yaml', 'utf8').replace('id: demo', 'id: Demo Site'));
    const out = sink();
    const err = sink();
    expect(await checkConfigCommand([bad], out.stream, err.stream)).toBe(1);
    expect(err.text()).toContain('site.id: must be 1-32 lowercase letters, digits or dashes');

    const notYaml = join(dir, 'broken.yaml');
    writeFileSync(notYaml, 'site: [unclosed');
    expect(await checkConfigCommand([notYaml], out.stream, err.stream)).toBe(1);
    expect(err.text()).toContain('is not valid YAML/JSON');
    expect(await checkConfigCommand([], out.stream, err.stream)).toBe(2);
  });
});
