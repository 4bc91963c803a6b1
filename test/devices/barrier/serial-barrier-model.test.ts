import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import { SerialBarrierConfigSchema } from '../../../devices/barrier/config.ts';
import { createSerialBarrierDriver } from '../../../devices/barrier/serial-barrier.ts';
import { InProcessSerialHub } from '../../../devices/serial/in-process-hub.ts';

const log = silentLogger();

/**
 * How the line treats one command and its reply: on time, late by `ms`, (an OK) lost, (an
 * OPEN/CLOSE) refused with `ERR BUSY`, or the command lost on its way (no reply, no effect).
 */
type Fate =
  | { kind: 'on-time' }
  | { kind: 'late'; ms: number }
  | { kind: 'lost-ok' }
  | { kind: 'refused' }
  | { kind: 'lost-command' };

/**
 * A barrier from the datasheet (section 4) on an in-process line with a ManualClock: commands
 * take effect when their reply is due, in the order sent; ST OPENING/CLOSING 20 ms later, the
 * end state after 300 ms; an ST line on every change. `fates` says what happens to each command,
 * in order.
 */
function modelBarrier(fates: Fate[], statusIntervalMs: number) {
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
  // A command cancels any move under way: OPEN read just after a CLOSE, before the arm left
  // its limit, keeps it open.
  const move = (via: string, to: string) => {
    for (const t of moveTimers) clock.clearTimeout(t);
    moveTimers = [];
    if (peer.state === to) return;
    moveTimers = [clock.setTimeout(() => setState(via), 20), clock.setTimeout(() => setState(to), 320)];
  };
  // The barrier reads its line in order (datasheet: replies "in order"): a late command holds
  // back the ones after it.
  let busyUntil = 0;
  device.on('data', (c: Buffer) => {
    for (const cmd of c.toString().split('\r').filter(Boolean)) {
      const fate = fates[n++ % Math.max(1, fates.length)] ?? { kind: 'on-time' };
      if (fate.kind === 'lost-command') continue;
      const act = () => {
        if (cmd === 'STATUS') send(`ST ${peer.state} LOOP=${peer.loop ? 1 : 0}`);
        else if (cmd === 'CLOSE' && peer.loop) send('ERR LOOP');
        else if ((cmd === 'OPEN' || cmd === 'CLOSE') && fate.kind === 'refused') send('ERR BUSY');
        else if (cmd === 'OPEN' || cmd === 'CLOSE') {
          if (fate.kind !== 'lost-ok') send('OK');
          if (cmd === 'OPEN') move('OPENING', 'OPEN');
          else move('CLOSING', 'CLOSED');
        }
      };
      const at = Math.max(clock.now() + (fate.kind === 'late' ? fate.ms : 0), busyUntil);
      busyUntil = at;
      if (at > clock.now()) clock.setTimeout(act, at - clock.now());
      else act();
    }
  });
  const driver = createSerialBarrierDriver({
    config: SerialBarrierConfigSchema.parse({ kind: 'serial', port: { path: '/dev/b' }, statusIntervalMs }),
    opener: hub,
    clock,
    log,
  });
  const stopFaults = () => {
    fates.length = 0;
  };
  /** When the barrier will have read every command sent so far (late ones hold the rest back). */
  const readAllBy = () => busyUntil;
  return { clock, driver, peer, stopFaults, setLoop, readAllBy };
}

const fateArb: fc.Arbitrary<Fate> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Fate>({ kind: 'on-time' }) },
  { weight: 2, arbitrary: fc.integer({ min: 50, max: 1200 }).map<Fate>((ms) => ({ kind: 'late', ms })) },
  { weight: 2, arbitrary: fc.constant<Fate>({ kind: 'lost-ok' }) },
  { weight: 1, arbitrary: fc.constant<Fate>({ kind: 'refused' }) },
  { weight: 1, arbitrary: fc.constant<Fate>({ kind: 'lost-command' }) },
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
        // The default poll, and one too slow to mend anything within the run: the driver must
        // follow the barrier's own ST lines, not wait for the next poll to set it right.
        fc.constantFrom(5000, 60_000),
        async (fates, steps, statusIntervalMs) => {
          const { clock, driver, peer, stopFaults, setLoop, readAllBy } = modelBarrier(
            [...fates],
            statusIntervalMs,
          );
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
          // The vehicle leaves and the line heals; 7 s (a default STATUS interval and more) to hear the truth.
          setLoop(false);
          stopFaults();
          // Late commands already sent are read first (in order), then the heal counts.
          while (clock.now() < readAllBy()) await clock.advance(50);
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
      {
        numRuns: 400,
        // Found by this property (2026-12-07): an OPEN shown done while an earlier CLOSE's OK was
        // lost held back the ST OPEN after it, so the driver showed the arm opening (then FAULT
        // at the travel timeout) while the barrier reported it open.
        examples: [
          // Found by a review (2026-12-07): a STATUS answered between the OK to an OPEN and the
          // arm leaving its limit said CLOSED; applied as the truth, it failed the open and let a
          // close resolve ok unsent while the arm then opened.
          [
            [{ kind: 'on-time' }, { kind: 'late', ms: 432 }, { kind: 'late', ms: 50 }],
            [{ kind: 'open' }, { kind: 'wait', ms: 401 }, { kind: 'close' }],
            5000,
          ],
          [
            [{ kind: 'lost-ok' }, { kind: 'lost-ok' }, { kind: 'late', ms: 319 }, { kind: 'on-time' }],
            [{ kind: 'open' }, { kind: 'close' }, { kind: 'wait', ms: 51 }, { kind: 'loop', on: true }],
            5000,
          ],
          [
            [{ kind: 'late', ms: 50 }, { kind: 'lost-ok' }, { kind: 'late', ms: 317 }, { kind: 'on-time' }],
            [
              { kind: 'open' },
              { kind: 'loop', on: false },
              { kind: 'loop', on: false },
              { kind: 'close' },
              { kind: 'open' },
            ],
            60_000,
          ],
        ],
      },
    );
  }, 120_000);
});
