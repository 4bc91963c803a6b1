import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import type { DeviceErrorEvent, ScanEvent } from '../../../devices/events.ts';
import type { ScannerDriver } from '../../../devices/scanner/driver.ts';
import { type EvdevScannerConfig, EvdevScannerConfigSchema } from '../../../devices/scanner/evdev-config.ts';
import { createEvdevScannerDriver } from '../../../devices/scanner/evdev-driver.ts';
import { SimWedgeScanner } from '../../../sim/devices/scanner/wedge-scanner.ts';
import { parseScenario } from '../../../sim/scenario/load.ts';
import { SimulationRun } from '../../../sim/scenario/run.ts';
import { FaultEntrySchema } from '../../../sim/scenario/schema.ts';
import { SimulatedSite } from '../../../sim/site.ts';
import { makeTempDir, removeTempDirs } from '../../support/tmp.ts';
import { eventually, faultSiteConfig } from '../support/fault-site.ts';
import { isolatedChips } from '../support/sim-run.ts';

/**
 * The fault injector and the traffic simulator's scanner actions on a keyboard-wedge scanner
 * (lane `gpio` of the fault site, `kind: evdev`), read by the real evdev driver on its FIFO:
 * each fault arrives as the driver's error it should be.
 */
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await removeTempDirs();
});

async function setUp() {
  const dir = await makeTempDir();
  const config = faultSiteConfig(dir);
  const wedge: EvdevScannerConfig = EvdevScannerConfigSchema.parse({
    kind: 'evdev',
    path: `${dir}/gpio-event-kbd`,
    // Wider than the datasheet's 100 ms: a starved simulator's pause inside a line is a real cut.
    interByteGapMs: 300,
    resyncSilenceMs: 600,
  });
  const lane = config.checkpoints[0]?.lanes[1];
  if (!lane) throw new Error('no gpio lane in the fault site');
  lane.devices.scanner = wedge;
  const clock = new ManualClock();
  const site = new SimulatedSite(config, { attach: 'in-process', clock, gpioChip: isolatedChips() });
  await site.start();
  const run = new SimulationRun({
    site,
    scenario: parseScenario({ traffic: { default: { arrivalsPerHour: 0 } } }),
    seed: 7,
    clock,
  });
  run.start();
  const driver: ScannerDriver = createEvdevScannerDriver({
    config: wedge,
    clock: systemClock,
    log: silentLogger(),
    reconnect: { initialMs: 20, maxMs: 100 },
  });
  const codes: ScanEvent[] = [];
  const errors: DeviceErrorEvent[] = [];
  driver.on('code', (e) => codes.push(e));
  driver.on('error', (e) => errors.push(e));
  driver.start();
  closers.push(async () => {
    run.stop();
    await driver.stop();
    await site.stop();
  });
  await eventually(() => driver.health === 'online', 3000, 'wedge scanner online');
  const inject = (entry: Record<string, unknown>) =>
    run.faults.inject(FaultEntrySchema.parse({ at: 0, ...entry }));
  return { site, run, clock, driver, codes, errors, inject, path: wedge.path };
}

describe('faults on a keyboard-wedge scanner (FIFO, evdev driver)', () => {
  it('the site makes a wedge scanner for a kind: evdev lane; a scan through the traffic actions reads', async () => {
    const t = await setUp();
    expect(t.site.lane('gpio').scanner).toBeInstanceOf(SimWedgeScanner);
    t.run.traffic.actions.scan('gpio', 'HC1:NCFOXN%TS3DH0YOJ58S S-W5HDC');
    await eventually(() => t.codes.length === 1, 3000, 'code');
    expect(t.codes[0]?.code).toBe('HC1:NCFOXN%TS3DH0YOJ58S S-W5HDC');
  });

  it('garbage (NUL, 0xff, control bytes) types untypable keys: implausible, no scan', async () => {
    const t = await setUp();
    await t.inject({ fault: 'garbage', lane: 'gpio' });
    await eventually(() => t.errors.length === 1, 3000, 'garbage error');
    expect(t.errors[0]).toMatchObject({ errorCode: ErrorCode.CodeImplausible, kind: 'implausible' });
    expect(t.codes).toEqual([]);
  });

  it('a truncated code (typing stops, no Enter) is cut off: CodeTruncated', async () => {
    const t = await setUp();
    await t.inject({ fault: 'truncated-code', lane: 'gpio' });
    await eventually(() => t.errors.length === 1, 3000, 'truncated error');
    expect(t.errors[0]).toMatchObject({ errorCode: ErrorCode.CodeTruncated, kind: 'truncated' });
    expect(t.codes).toEqual([]);
  });

  it('noise on a wedge scanner is stray keys, never a scan', async () => {
    const t = await setUp();
    await t.inject({ fault: 'noise', lane: 'gpio', device: 'scanner', bytes: 12 });
    await eventually(() => t.errors.length >= 1, 3000, 'noise error');
    expect(t.codes).toEqual([]);
  });

  it('unplug for 30 s: the FIFO goes, the driver reports the device lost; back after `for`, it reads again', async () => {
    const t = await setUp();
    await t.inject({ fault: 'unplug', lane: 'gpio', device: 'scanner', for: '30s' });
    await eventually(() => t.driver.health === 'offline', 3000, 'offline');
    expect(existsSync(t.path)).toBe(false);
    expect(t.errors[0]).toMatchObject({ errorCode: ErrorCode.PortClosed, kind: 'device-lost' });
    await t.clock.advance(30_000);
    await eventually(() => t.driver.health === 'online', 5000, 'online again');
    t.run.traffic.actions.scan('gpio', 'GP1:back.again.ok');
    await eventually(() => t.codes.length === 1, 3000, 'code after replug');
    expect(t.codes[0]?.code).toBe('GP1:back.again.ok');
  });
});
