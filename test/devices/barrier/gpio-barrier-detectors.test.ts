import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ManualClock } from '../../../core/clock.ts';
import { ErrorCode, isGatepostError } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import { GpioBarrierConfigSchema } from '../../../devices/barrier/config.ts';
import type { DetectorStuckEvent } from '../../../devices/barrier/detector-events.ts';
import { createGpioBarrierDriver, type GpioBarrier } from '../../../devices/barrier/gpio-barrier.ts';
import type { BarrierCommandResult, TailgateEvent, VehicleEvent } from '../../../devices/events.ts';
import { VirtualGpioChip } from '../../../devices/gpio/virtual-chip.ts';
import { SimGpioBarrier } from '../../../sim/devices/barrier/gpio-barrier.ts';
import { parseConfig } from '../../../site-config/load.ts';

/**
 * The GPIO barrier with a safety loop, a photo-eye, an arming and a reset loop (one line each),
 * driver against the simulated barrier on a virtual chip and a ManualClock, default trailer gap
 * (1,500 ms). The simulator records every breach of the safety rules.
 */
const config = GpioBarrierConfigSchema.parse({
  kind: 'gpio',
  chip: 'test',
  lines: { open: 10, close: 11, limitOpen: 12, limitClosed: 13 },
  presence: [
    { name: 'safety-loop', kind: 'loop', line: 14 },
    { name: 'photo-eye', kind: 'photo-eye', line: 15 },
  ],
  arming: { line: 16 },
  reset: { line: 17 },
  stuckAfterMs: 60_000,
});

let running: { driver: GpioBarrier; sim: SimGpioBarrier } | undefined;
afterEach(async () => {
  await running?.driver.stop();
  await running?.sim.stop();
  running = undefined;
});

async function setup() {
  const clock = new ManualClock();
  const chip = new VirtualGpioChip('test');
  const sim = new SimGpioBarrier(config, chip, { clock });
  await sim.start();
  const driver = createGpioBarrierDriver({ config, chip, clock, log: silentLogger() });
  running = { driver, sim };
  const seen = {
    vehicles: [] as VehicleEvent[],
    tailgates: [] as TailgateEvent[],
    stuck: [] as DetectorStuckEvent[],
  };
  driver.on('vehicle', (e) => seen.vehicles.push(e));
  driver.on('tailgate', (e) => seen.tailgates.push(e));
  driver.on('stuck', (e) => seen.stuck.push(e));
  let closeOnWhilePresence = 0;
  chip.onOutput(config.lines.close, (level) => {
    if (level === 1 && sim.core.presenceOccupied) closeOnWhilePresence++;
  });
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) await clock.advance(10);
  };
  const settle = (p: Promise<BarrierCommandResult>) => {
    const box: { value?: BarrierCommandResult } = {};
    void p.then((v) => {
      box.value = v;
    });
    return box;
  };
  driver.start();
  const set = (name: string, high: boolean) => sim.setDetector(name, high);
  return {
    clock,
    chip,
    sim,
    driver,
    seen,
    run,
    settle,
    set,
    closeOnWhilePresence: () => closeOnWhilePresence,
  };
}

describe('GPIO barrier with several detectors, against the simulated barrier', () => {
  it('reads every detector from its own line; the arming loop is the arrival', async () => {
    const t = await setup();
    t.set('arming', true);
    await t.run(30);
    expect(t.seen.vehicles.map((v) => v.kind)).toEqual(['arrived']);
    expect(t.driver.loop).toBe(false); // the arming loop is no presence input
    t.set('safety-loop', true);
    await t.run(30);
    expect(t.driver.loop).toBe(true);
    expect(t.seen.vehicles).toHaveLength(1);
  });

  it('a photo-eye blocked while the arm closes reverses it; closing waits until the eye is clear', async () => {
    const t = await setup();
    t.settle(t.driver.open());
    await t.run(2700);
    const closing = t.settle(t.driver.close());
    await t.run(500);
    expect(t.sim.state).toBe('closing');
    t.set('photo-eye', true);
    await t.run(30);
    expect(closing.value).toMatchObject({ ok: false, failure: 'unsafe' });
    expect(t.chip.level(config.lines.close)).toBe(0);
    await t.run(1500);
    expect(t.sim.state).toBe('open');
    const refused = t.settle(t.driver.close());
    await t.run(10);
    expect(refused.value).toMatchObject({ ok: false, failure: 'unsafe' });
    t.set('photo-eye', false);
    // Cleared after the trailer gap, closed 2 s later.
    await t.run(1500 + 2000 + 2700);
    expect(t.sim.state).toBe('closed');
    expect(t.closeOnWhilePresence()).toBe(0);
    expect(t.sim.violations).toEqual([]);
  });

  it('a tractor and trailer with a 1.2 s gap: one vehicle, no tailgate, the arm stays up until the trailer is through', async () => {
    const t = await setup();
    t.set('arming', true);
    t.set('safety-loop', true);
    await t.run(30);
    t.settle(t.driver.open());
    await t.run(2700);
    expect(t.sim.state).toBe('open');
    // The tractor pulls through: arming and loop drop together in the coupling gap.
    t.set('photo-eye', true);
    await t.run(500);
    t.set('photo-eye', false);
    t.set('arming', false);
    t.set('safety-loop', false);
    await t.run(1200);
    t.set('safety-loop', true); // the trailer
    t.set('photo-eye', true);
    await t.run(2000);
    t.set('photo-eye', false);
    t.set('safety-loop', false);
    await t.run(1000);
    expect(t.sim.state).toBe('open'); // still inside the gap time after the trailer
    await t.run(600 + 2000 + 2700);
    expect(t.sim.state).toBe('closed');
    expect(t.seen.vehicles.map((v) => v.kind)).toEqual(['arrived', 'cleared']);
    expect(t.seen.tailgates).toEqual([]);
    expect(t.sim.violations).toEqual([]);
  });

  it('the reset loop clears the truck at once when it leaves it', async () => {
    const t = await setup();
    t.set('safety-loop', true);
    await t.run(30);
    t.settle(t.driver.open());
    await t.run(2700);
    t.set('reset', true);
    t.set('safety-loop', false);
    await t.run(500);
    expect(t.seen.vehicles.map((v) => v.kind)).toEqual(['arrived']);
    t.set('reset', false);
    await t.run(30);
    expect(t.seen.vehicles.map((v) => v.kind)).toEqual(['arrived', 'cleared']);
    await t.run(2000 + 2700);
    expect(t.sim.state).toBe('closed');
  });

  it('a photo-eye stuck for stuckAfterMs is reported once, and again when it is clear', async () => {
    const t = await setup();
    t.set('photo-eye', true);
    await t.run(30);
    await t.clock.advance(60_000);
    expect(t.seen.stuck).toEqual([
      expect.objectContaining({
        detector: 'photo-eye',
        role: 'presence',
        kind: 'photo-eye',
        stuck: true,
        afterMs: 60_000,
      }),
    ]);
    await t.clock.advance(60_000);
    expect(t.seen.stuck).toHaveLength(1);
    t.set('photo-eye', false);
    await t.run(30);
    expect(t.seen.stuck.at(-1)).toMatchObject({ detector: 'photo-eye', stuck: false });
  });
});

describe('GPIO barrier config', () => {
  it('a config with lines.loop (before presence inputs) still loads, as the presence loop "loop"', async () => {
    const old = GpioBarrierConfigSchema.parse({
      kind: 'gpio',
      lines: { open: 1, close: 2, limitOpen: 3, limitClosed: 4, loop: 5 },
    });
    const { gpioDetectors } = await import('../../../devices/barrier/detectors.ts');
    expect(gpioDetectors(old)).toEqual([{ role: 'presence', name: 'loop', kind: 'loop', line: 5 }]);
    expect(old.trailerGapMs).toBe(1500);
  });

  it('refuses both or neither of lines.loop and presence, a line used twice, a name used twice', () => {
    const lines = { open: 1, close: 2, limitOpen: 3, limitClosed: 4 };
    const bad = [
      { lines },
      { lines: { ...lines, loop: 5 }, presence: [{ name: 'a', line: 6 }] },
      { lines, presence: [{ name: 'a', line: 4 }] },
      { lines, presence: [{ name: 'a', line: 6 }], arming: { name: 'a', line: 7 } },
    ];
    for (const b of bad)
      expect(GpioBarrierConfigSchema.safeParse({ kind: 'gpio', ...b }).success).toBe(false);
  });

  it('the site config loads the demo (detectors and lines.loop side by side) and refuses a detector line another lane has', () => {
    const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
    const east1 = parseConfig(raw).checkpoints[0]?.lanes[0]?.devices.barrier;
    expect(east1?.kind === 'gpio' && east1.presence?.map((p) => p.name)).toEqual(['loop', 'photo-eye']);
    // west-1's photo-eye on east-1's photo-eye line.
    const west1 = raw.checkpoints[1].lanes[0].devices.barrier;
    west1.presence = [
      { name: 'loop', line: west1.lines.loop },
      { name: 'eye', kind: 'photo-eye', line: 15 },
    ];
    delete west1.lines.loop;
    let problems: { path: string; message: string }[] = [];
    try {
      parseConfig(raw);
    } catch (e) {
      if (!isGatepostError(e, ErrorCode.ConfigInvalid)) throw e;
      problems = e.details?.problems as typeof problems;
    }
    expect(problems).toEqual([
      {
        path: 'checkpoints[1].lanes[0].devices.barrier.presence[1]',
        message: 'GPIO line virtual:15 is already used by east-1 photo-eye',
      },
    ]);
  });
});
