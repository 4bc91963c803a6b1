import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { PUBLISH_BATCH, YardPublisher } from '../../gateway/yard/publisher.ts';
import type { BayView, YardSummary } from '../../gateway/yard/yard-payloads.ts';

/**
 * The yard's retained publisher sends at most a batch of bays in one turn of the event loop, so
 * that publishing every bay (the start, 1,200 of them) never holds the lanes' event loop for
 * longer than one batch takes; every bay still goes out once with its latest view, and the
 * summary after the last of them.
 */
const SITE = 'batch-site';
const turn = () => new Promise<void>((r) => setImmediate(r));

function harness(batch: number) {
  const version = new Map<string, number>();
  const sent: { topic: string; turn: number; version?: number }[] = [];
  let turnNo = 0;
  const target = {
    publish: async (topic: string, payload: unknown) => {
      sent.push({ topic, turn: turnNo, version: (payload as { since?: number }).since });
    },
  };
  const render = {
    bay: (id: string) => ({ bay: id, since: version.get(id) ?? 0 }) as unknown as BayView,
    summary: () => ({}) as YardSummary,
  };
  const publisher = new YardPublisher(SITE, target, render, silentLogger(), batch);
  /** Counts turns of the event loop while `work` runs, so each publish knows its turn. */
  const counting = async (work: Promise<void>) => {
    let done = false;
    void work.then(() => {
      done = true;
    });
    while (!done) {
      await turn();
      turnNo++;
    }
    await work;
  };
  return { publisher, version, sent, counting };
}

const bayTopic = (id: string) => `gatepost/${SITE}/yard/bay/${id}`;

describe('YardPublisher batches', () => {
  it('publishing 1,200 bays: flush() gives the event loop back at once and sends them a batch a turn', async () => {
    const h = harness(PUBLISH_BATCH);
    const ids = Array.from({ length: 1200 }, (_, i) => `P-${String(i + 1).padStart(4, '0')}`);
    h.publisher.bays(ids);
    const flushing = h.publisher.flush();
    // Nothing goes out in the caller's turn: a lane's work queued behind it waits for one batch at most.
    expect(h.sent).toHaveLength(0);
    await h.counting(flushing);
    const bays = h.sent.filter((s) => s.topic.includes('/bay/'));
    expect(bays.map((s) => s.topic)).toEqual(ids.map(bayTopic));
    const perTurn = new Map<number, number>();
    for (const s of bays) perTurn.set(s.turn, (perTurn.get(s.turn) ?? 0) + 1);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(PUBLISH_BATCH);
    expect(perTurn.size).toBeGreaterThanOrEqual(1200 / PUBLISH_BATCH);
    expect(h.sent.at(-1)?.topic).toBe(`gatepost/${SITE}/yard/summary`);
  });

  it('property: every changed bay goes out once per flush, with its latest view, at most a batch a turn, the summary last', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 0, max: 150 }), { minLength: 1, maxLength: 400 }),
        async (batch, changes) => {
          const h = harness(batch);
          // Changes arrive while earlier batches are going out: each bumps its bay's version.
          const flushes: Promise<void>[] = [];
          changes.forEach((n, i) => {
            const id = `B-${n}`;
            h.version.set(id, i);
            h.publisher.bays([id]);
            if (i % 37 === 0) flushes.push(h.publisher.flush());
          });
          await h.counting(Promise.all([...flushes, h.publisher.flush()]).then(() => undefined));
          const bays = h.sent.filter((s) => s.topic.includes('/bay/'));
          // The last view published of each bay is its latest.
          const last = new Map<string, number | undefined>();
          for (const s of bays) last.set(s.topic, s.version);
          for (const [id, v] of h.version) expect(last.get(bayTopic(id))).toBe(v);
          const perTurn = new Map<number, number>();
          for (const s of bays) perTurn.set(s.turn, (perTurn.get(s.turn) ?? 0) + 1);
          for (const n of perTurn.values()) expect(n).toBeLessThanOrEqual(batch);
          expect(h.sent.at(-1)?.topic).toBe(`gatepost/${SITE}/yard/summary`);
        },
      ),
      { numRuns: 60 },
    );
  });
});
