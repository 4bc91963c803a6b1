import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import { SerialBarrierConfigSchema } from '../../../devices/barrier/config.ts';
import { createSerialBarrierDriver } from '../../../devices/barrier/serial-barrier.ts';
import { InProcessSerialHub } from '../../../devices/serial/in-process-hub.ts';

const log = silentLogger();

/** How the line treats one reply: on time, late by `ms`, or (an OK) lost. */
type Fate = { kind: 'on-time' } | { kind: 'late'; ms: number } | { kind: 'lost-ok' };

/**
 * A barrier from the datasheet (section 4) on an in-process line with a ManualClock: commands
 * take effect when their reply is due; ST OPENING/CLOSING 20 ms later, the end state after
 * 300 ms; an ST line on every change. `fates` says what happens to each reply, in order.
 */
function modelBarrier(fates: Fate[]) {
  const clock = new ManualClock();
  const hub = new InProcessSerialHub();
  const device = hub.plug('/dev/b');
  const peer = { state: 'CLOSED', moves: 0, loop: false };
  let n = 0;
  let moveTimers: ReturnType<ManualClock['setTimeout']>[] = [];
  const send = (line: string) => void device.write(Buffer.from(`${line}\r`));
  const setState = (s: string) => {
    if (peer.state === s) return;
    peer.state = s;
    peer.moves++;
    send(`ST ${s} LOOP=${peer.loop ? 1 : 0}`);
  };
  const setLoop = (on: boolean) => {
    if (peer.loop === on) return;
    peer.loop = on;
    send(`ST ${peer.state} LOOP=${on ? 1 : 0}`);
  };
  const move = (via: string, to: string) => {
    if (peer.state === to) return;
    for (const t of moveTimers) clock.clearTimeout(t);
    moveTimers = [clock.setTimeout(() => setState(via), 20), clock.setTimeout(() => setState(to), 320)];
  };
  device.on('data', (c: Buffer) => {
    for (const cmd of c.toString().split('\r').filter(Boolean)) {
      const fate = fates[n++ % Math.max(1, fates.length)] ?? { kind: 'on-time' };
      const act = () => {
        if (cmd === 'STATUS') send(`ST ${peer.state} LOOP=${peer.loop ? 1 : 0}`);
        else if (cmd === 'CLOSE' && peer.loop) send('ERR LOOP');
        else if (cmd === 'OPEN' || cmd === 'CLOSE') {
          if (fate.kind !== 'lost-ok') send('OK');
          if (cmd === 'OPEN') move('OPENING', 'OPEN');
          else move('CLOSING', 'CLOSED');
        }
      };
      if (fate.kind === 'late') clock.setTimeout(act, fate.ms);
      else act();
    }
  });
  const driver = createSerialBarrierDriver({
    config: SerialBarrierConfigSchema.parse({ kind: 'serial', port: { path: '/dev/b' } }),
    opener: hub,
    clock,
    log,
  });
  const stopFaults = () => {
    fates.length = 0;
  };
  return { clock, driver, peer, stopFaults, setLoop };
}

const fateArb: fc.Arbitrary<Fate> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Fate>({ kind: 'on-time' }) },
  { weight: 2, arbitrary: fc.integer({ min: 50, max: 1200 }).map<Fate>((ms) => ({ kind: 'late', ms })) },
  { weight: 2, arbitrary: fc.constant<Fate>({ kind: 'lost-ok' }) },
);
const stepArb = fc.oneof(
  fc.constant<{ kind: 'open' | 'close' }>({ kind: 'open' }),
  fc.constant<{ kind: 'open' | 'close' }>({ kind: 'close' }),
  fc.integer({ min: 10, max: 3000 }).map((ms) => ({ kind: 'wait' as const, ms })),
  fc.boolean().map((on) => ({ kind: 'loop' as const, on })),
);

describe('serial barrier against a datasheet model with lost and late replies (fast-check)', () => {
  it("a command resolves ok only where the barrier is; the driver's view converges to the barrier's; a staff close always closes it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fateArb, { minLength: 1, maxLength: 30 }),
        fc.array(stepArb, { minLength: 1, maxLength: 12 }),
        async (fates, steps) => {
          const { clock, driver, peer, stopFaults, setLoop } = modelBarrier([...fates]);
          const wrong: string[] = [];
          driver.start();
          for (let i = 0; i < 3; i++) await clock.advance(700);
          for (const step of steps) {
            if (step.kind === 'wait') {
              for (let t = 0; t < step.ms; t += 50) await clock.advance(50);
            } else if (step.kind === 'loop') {
              setLoop(step.on);
            } else {
              // A command that resolves ok says where the arm is: the barrier must be there.
              const want = step.kind === 'open' ? 'OPEN' : 'CLOSED';
              void driver[step.kind]().then((r) => {
                if (r.ok)
                  wrong.push(peer.state === want ? '' : `${step.kind} ok with the barrier ${peer.state}`);
              });
            }
            await clock.advance(1);
          }
          // The vehicle leaves and the line heals; a STATUS interval and more to hear the truth.
          setLoop(false);
          stopFaults();
          for (let t = 0; t < 7000; t += 50) await clock.advance(50);
          expect(driver.state).toBe(peer.state.toLowerCase());
          expect(wrong.filter(Boolean)).toEqual([]);
          // Staff close: it is sent and the arm goes down, whatever happened before.
          let closed: unknown;
          void driver.close().then((r) => {
            closed = r;
          });
          for (let t = 0; t < 2000; t += 50) await clock.advance(50);
          expect(peer.state).toBe('CLOSED');
          expect(driver.state).toBe('closed');
          expect(closed).toMatchObject({ ok: true });
          await driver.stop();
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);
});
