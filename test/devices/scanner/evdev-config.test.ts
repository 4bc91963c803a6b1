import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { isGatepostError } from '../../../core/errors.ts';
import { parseConfig } from '../../../site-config/load.ts';

/** The demo config with lane east-1's scanner replaced by `scanner` (and west-1's by `west`). */
function demoWith(scanner: unknown, west?: unknown): Record<string, any> {
  const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
  raw.checkpoints[0].lanes[0].devices.scanner = scanner;
  if (west) raw.checkpoints[1].lanes[0].devices.scanner = west;
  return raw;
}

function problems(raw: unknown): string {
  try {
    parseConfig(raw);
    return '';
  } catch (e) {
    if (!isGatepostError(e)) throw e;
    return e.message;
  }
}

describe('scanner config: kind serial (the default) or evdev', () => {
  it('an old config (no kind) loads as a serial scanner, unchanged', () => {
    const cfg = parseConfig(demoWith({ port: { path: 'var/dev/east-1-scanner' } }));
    const s = cfg.checkpoints[0]?.lanes[0]?.devices.scanner;
    expect(s).toMatchObject({
      port: { path: 'var/dev/east-1-scanner' },
      terminator: 'CR',
      interByteGapMs: 100,
    });
    expect(s?.kind).toBeUndefined();
  });

  it('a keyboard-wedge scanner gets its defaults', () => {
    const path = '/dev/input/by-id/usb-Honeywell_Imaging_Metrology_3320g-event-kbd';
    const cfg = parseConfig(demoWith({ kind: 'evdev', path }));
    expect(cfg.checkpoints[0]?.lanes[0]?.devices.scanner).toEqual({
      kind: 'evdev',
      path,
      eventSize: 'auto',
      grab: true,
      pollMs: 4,
      maxCodeBytes: 4096,
      interByteGapMs: 100,
      resyncSilenceMs: 1000,
    });
  });

  it('refuses a wrong record size, serial fields on an evdev scanner, and an unknown kind', () => {
    expect(problems(demoWith({ kind: 'evdev', path: '/dev/input/event3', eventSize: 32 }))).toMatch(
      /eventSize/,
    );
    expect(problems(demoWith({ kind: 'evdev', path: '/dev/input/event3', terminator: 'CR' }))).toMatch(
      /terminator/,
    );
    expect(problems(demoWith({ kind: 'hid', path: '/dev/hidraw0' }))).toMatch(/scanner/);
  });

  it('two lanes cannot read one input device', () => {
    const s = { kind: 'evdev', path: '/dev/input/by-id/usb-scanner-event-kbd' };
    expect(problems(demoWith(s, s))).toMatch(
      /\/dev\/input\/by-id\/usb-scanner-event-kbd is already used by east-1 scanner/,
    );
  });
});
