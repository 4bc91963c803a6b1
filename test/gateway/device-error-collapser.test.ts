import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { ErrorCode } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import {
  DEFAULT_MAX_KEYS,
  DEFAULT_PER_STREAM_PER_MINUTE,
  DeviceErrorCollapser,
} from '../../gateway/device-error-collapser.ts';
import { type DeviceErrorData, DeviceErrorDataSchema } from '../../gateway/mqtt/gateway-payloads.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

const cleanup: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) c();
  await removeTempDirs();
});

/** A collapser writing into a real SQLite store, on a clock moved by hand. */
async function setup() {
  const clock = new ManualClock();
  const db = openDatabase(join(await makeTempDir(), 'g.db'));
  const store = new RecordStore({ db, site: 'flood', clock, log: silentLogger(), groupCommitMs: 0 });
  const collapser = new DeviceErrorCollapser({
    write: (stream, data) => store.append(stream, 'device-error', DeviceErrorDataSchema.parse(data)),
    clock,
    log: silentLogger(),
  });
  cleanup.push(() => {
    collapser.stop();
    store.close();
    db.close();
  });
  const records = () => {
    store.flush();
    return ['lane/east-1', 'lane/west-1'].flatMap((s) =>
      store
        .readStream(s, 1, 1_000_000)
        .filter((r) => r.type === 'device-error')
        .map((r) => DeviceErrorDataSchema.parse(r.data)),
    );
  };
  /** Every error heard is in the records: once each, or in a summary's count. */
  const errorsIn = (rs: DeviceErrorData[]) => rs.reduce((n, r) => n + (r.count ?? 1), 0);
  return { clock, store, collapser, records, errorsIn };
}

const implausible = (i: number): DeviceErrorData => ({
  lane: 'east-1',
  device: 'thermometer',
  kind: 'implausible',
  errorCode: ErrorCode.ReadingImplausible,
  message: `object 71.${i % 10} °C is outside 30-45 °C`,
});

describe('repeated device errors become one record with a count', () => {
  it('an implausible reading on every poll (5 a second for 10 minutes): the first at once, then one summary a minute, every error counted', async () => {
    const { clock, collapser, records, errorsIn } = await setup();
    const start = clock.now();
    for (let i = 0; i < 3000; i++) {
      collapser.report('lane/east-1', implausible(i), clock.now());
      if (i === 0) await Promise.resolve();
      await clock.advance(200);
    }
    collapser.stop();
    await clock.advance(0);
    const rs = records();
    // Today: 3,000 records. Now: the first, ten minute summaries, and what was left at stop.
    expect(rs.length).toBeLessThanOrEqual(12);
    expect(rs[0]).toEqual(implausible(0)); // recorded at once, as it came
    expect(errorsIn(rs)).toBe(3000);
    for (const s of rs.slice(1)) {
      expect(s.count).toBeGreaterThan(0);
      expect(s.firstAt).toBeGreaterThanOrEqual(start);
      expect(s.lastAt).toBeGreaterThanOrEqual(s.firstAt ?? 0);
      expect(s.message).toMatch(/^\d+ more: object 71\.\d °C/);
    }
  });

  it('a quiet window closes the key: the next occurrence is recorded at once again', async () => {
    const { clock, collapser, records } = await setup();
    const noReply: DeviceErrorData = {
      lane: 'east-1',
      device: 'barrier',
      kind: 'no-reply',
      errorCode: ErrorCode.BarrierNoReply,
      message: 'no reply to STATUS',
    };
    collapser.report('lane/east-1', noReply, clock.now());
    await clock.advance(1500);
    collapser.report('lane/east-1', noReply, clock.now());
    await clock.advance(60_000); // the window closes with one repeat: summarised
    await clock.advance(60_000); // a window without repeats: the key closes
    expect(collapser.openKeys()).toBe(0);
    collapser.report('lane/east-1', noReply, clock.now());
    await clock.advance(0);
    const rs = records();
    expect(rs.map((r) => r.count ?? 1)).toEqual([1, 1, 1]);
    expect(rs[1]).toMatchObject({ count: 1, message: '1 more: no reply to STATUS' });
    expect(rs[2]).toEqual(noReply);
  });

  it('a babbling scanner (100,000 garbage frames in 2 minutes, 5,000 kinds of them): records within the per-stream budget, bounded keys and memory, every error counted', async () => {
    const { clock, collapser, records, errorsIn } = await setup();
    const kinds = ['too-long', 'invalid-utf8', 'nul', 'truncated'];
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    let maxKeys = 0;
    for (let i = 0; i < 100_000; i++) {
      // Mostly the usual four, and a hostile tail of kinds never seen twice.
      const kind = i % 20 === 0 ? `junk-${i}` : (kinds[i % kinds.length] ?? 'too-long');
      collapser.report(
        i % 2 ? 'lane/east-1' : 'lane/west-1',
        {
          lane: i % 2 ? 'east-1' : 'west-1',
          device: 'scanner',
          kind,
          errorCode: ErrorCode.FrameDiscarded,
          message: `frame discarded (${kind})`,
          bytes: 300,
        },
        clock.now(),
      );
      maxKeys = Math.max(maxKeys, collapser.openKeys());
      if (i % 1000 === 999) await clock.advance(1200); // 100 steps of 1.2 s: 2 minutes
    }
    const reportMs = performance.now() - t0;
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    collapser.stop();
    await clock.advance(0);
    const rs = records();
    const minutes = 3; // 2 minutes of clock touch 3 minute buckets at most
    // Today: 100,000 records. Now: each stream's budget a minute, plus what stop summarised.
    expect(rs.length).toBeLessThanOrEqual(2 * DEFAULT_PER_STREAM_PER_MINUTE * minutes + DEFAULT_MAX_KEYS + 2);
    expect(errorsIn(rs)).toBe(100_000);
    expect(rs.reduce((n, r) => n + (r.bytes ?? 0), 0)).toBe(100_000 * 300);
    expect(maxKeys).toBeLessThanOrEqual(DEFAULT_MAX_KEYS + 2);
    expect(rs.some((r) => r.kind === 'many-kinds')).toBe(true);
    expect(heapGrowth).toBeLessThan(32 * 1024 * 1024);
    expect(reportMs).toBeLessThan(5000);
    console.info(
      `babbling scanner: 100,000 errors → ${rs.length} records, ≤ ${maxKeys} keys, ${Math.round(reportMs)} ms, heap +${Math.round(heapGrowth / 1024 / 1024)} MB`,
    );
  });

  it('property: whatever the order and timing, every error is counted exactly once and the first of a key is recorded as it came', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            stream: fc.constantFrom('lane/east-1', 'lane/west-1'),
            kind: fc.constantFrom('a', 'b', 'c'),
            gap: fc.nat({ max: 90_000 }),
          }),
          { minLength: 1, maxLength: 300 },
        ),
        async (events) => {
          const clock = new ManualClock();
          const out: DeviceErrorData[] = [];
          const c = new DeviceErrorCollapser({
            write: async (_s, d) => {
              out.push(d);
            },
            clock,
            log: silentLogger(),
            maxKeys: 4,
            perStreamPerMinute: 5,
          });
          for (const e of events) {
            c.report(
              e.stream,
              { lane: e.stream, device: 'scanner', kind: e.kind, errorCode: 210, message: e.kind },
              clock.now(),
            );
            await clock.advance(e.gap);
          }
          c.stop();
          expect(out.reduce((n, r) => n + (r.count ?? 1), 0)).toBe(events.length);
          const first = events[0];
          expect(out[0]).toMatchObject({ kind: first?.kind, lane: first?.stream });
          expect(out[0]?.count).toBeUndefined();
        },
      ),
      { numRuns: 200 },
    );
  });
  it("a driver's rate-limited summary (suppressed: N) counts as the N errors it stands for", async () => {
    const { clock, collapser, records, errorsIn } = await setup();
    const babble: DeviceErrorData = {
      lane: 'east-1',
      device: 'scanner',
      kind: 'babble',
      errorCode: ErrorCode.FrameDiscarded,
      message: 'frames discarded in a burst',
    };
    // First event of its key is already a summary of 40 held-back errors; then 3 single ones and
    // another summary of 25 in the same window.
    collapser.report('lane/east-1', babble, clock.now(), 40);
    for (let i = 0; i < 3; i++) {
      clock.advance(100);
      collapser.report('lane/east-1', babble, clock.now());
    }
    clock.advance(100);
    collapser.report('lane/east-1', babble, clock.now(), 25);
    clock.advance(61_000);
    const rs = records();
    expect(errorsIn(rs)).toBe(40 + 3 + 25);
    expect(rs[0]?.count).toBe(40);
    expect(rs).toHaveLength(2);
  });
});
