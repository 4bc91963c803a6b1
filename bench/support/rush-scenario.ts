import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../../sim/scenario/duration.ts';
import { parseScenario } from '../../sim/scenario/load.ts';
import { ROOT } from './child.ts';

export interface RushScenario {
  /** The scenario as the simulator reads it (durations as written, or seconds). */
  raw: Record<string, unknown>;
  /** Where it came from, for the report. */
  source: string;
  timeScale: number;
}

const FILE = 'sim/scenarios/rush-hour.yaml';

/**
 * The rush-hour scenario of the simulator (sim/scenarios/rush-hour.yaml), started at its rush:
 * the timeline is shifted so that its first change of traffic for every lane happens at once,
 * and it runs until the bench stops it. Without the file, a stand-in of the same shape: 240
 * trucks an hour per entry lane with bursts of eight every ten minutes.
 */
export function rushHourScenario(): RushScenario {
  let raw: Record<string, any>;
  let source: string;
  if (existsSync(resolve(ROOT, FILE))) {
    raw = parseYaml(readFileSync(resolve(ROOT, FILE), 'utf8')) as Record<string, any>;
    const timeline = (raw.timeline ?? []) as Record<string, any>[];
    const rush = timeline.find((e) => 'traffic' in e && e.lane === undefined);
    const shift = rush ? (parseDuration(rush.at) ?? 0) : 0;
    raw.timeline = timeline
      .map((e) => ({ ...e, at: ((parseDuration(e.at) ?? 0) - shift) / 1000 }))
      .filter((e) => e.at >= 0);
    source = `${FILE}, from its rush (${shift / 60_000} min in) on`;
  } else {
    raw = {
      name: 'rush-hour (bench stand-in)',
      seed: 2,
      timeScale: 10,
      traffic: {
        default: {
          arrivalsPerHour: 240,
          burst: { every: '10m', size: 8, spacing: ['2s', '4s'] },
          queueMax: 60,
          patience: '60s',
        },
      },
    };
    source = `a stand-in (no ${FILE}): 240 trucks/h per entry lane, bursts of 8 every 10 min`;
  }
  delete raw.duration;
  const scenario = parseScenario(raw, source);
  return { raw, source, timeScale: scenario.timeScale ?? 10 };
}
