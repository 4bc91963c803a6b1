import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ErrorCode, isGatepostError } from '../../core/errors.ts';
import { parseConfig } from '../../site-config/load.ts';

/**
 * The config of issue 22's fever confirmation, calibration and routes: a config written before
 * them loads unchanged with the new defaults, and the new fields are checked.
 */
const demoRaw = () => parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;

/** A version-1 config as written before these fields: the demo without any of them. */
function oldConfig(): Record<string, any> {
  const raw = demoRaw();
  delete raw.rules;
  for (const cp of raw.checkpoints)
    for (const lane of cp.lanes) {
      delete lane.destinations;
      if (lane.devices.thermometer) {
        delete lane.devices.thermometer.calibratedAt;
        delete lane.devices.thermometer.calibrationIntervalDays;
      }
    }
  return raw;
}

function problemsOf(raw: unknown): { path: string; message: string }[] {
  try {
    parseConfig(raw);
  } catch (e) {
    if (isGatepostError(e, ErrorCode.ConfigInvalid))
      return e.details?.problems as { path: string; message: string }[];
    throw e;
  }
  return [];
}

describe('fever confirmation, calibration and routes in the site config', () => {
  it('an old config loads: recheck with a 2 min pause, 16-32 °C, no calibration watched, every destination served', () => {
    const cfg = parseConfig(oldConfig());
    expect(cfg.rules).toMatchObject({
      feverConfirm: 'recheck',
      recheckPauseMs: 120_000,
      ambientMinC: 16,
      ambientMaxC: 32,
    });
    const lane = cfg.checkpoints[0]?.lanes[0];
    expect(lane?.destinations).toBeUndefined();
    expect(lane?.devices.thermometer?.calibrationIntervalDays).toBeUndefined();
  });

  it('takes a lane’s destinations, a thermometer’s calibration and the rules’ choices', () => {
    const raw = oldConfig();
    const lane = raw.checkpoints[0].lanes[0];
    lane.destinations = [' 140100 ', '140400'];
    lane.devices.thermometer.calibratedAt = '2026-09-01';
    lane.devices.thermometer.calibrationIntervalDays = 180;
    raw.rules = { feverConfirm: 'immediate', recheckPauseMs: 60_000, ambientMinC: 10, ambientMaxC: 35 };
    const cfg = parseConfig(raw);
    const parsed = cfg.checkpoints[0]?.lanes[0];
    expect(parsed?.destinations).toEqual(['140100', '140400']);
    expect(parsed?.devices.thermometer).toMatchObject({
      calibratedAt: '2026-09-01',
      calibrationIntervalDays: 180,
    });
    expect(cfg.rules).toMatchObject({ feverConfirm: 'immediate', recheckPauseMs: 60_000 });
  });

  it('refuses what cannot be meant, with the field path', () => {
    const raw = oldConfig();
    raw.rules = { feverConfirm: 'twice', ambientMinC: 30, ambientMaxC: 20 };
    raw.checkpoints[0].lanes[0].destinations = [''];
    raw.checkpoints[0].lanes[0].devices.thermometer.calibratedAt = '2026-13-01';
    const paths = problemsOf(raw).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'rules.feverConfirm',
        'checkpoints[0].lanes[0].destinations[0]',
        'checkpoints[0].lanes[0].devices.thermometer.calibratedAt',
      ]),
    );
    const range = oldConfig();
    range.rules = { ambientMinC: 30, ambientMaxC: 20 };
    expect(problemsOf(range)).toContainEqual({
      path: 'rules.ambientMaxC',
      message: 'must be above ambientMinC',
    });
  });
});
