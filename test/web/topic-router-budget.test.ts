import { afterEach, describe, expect, it, vi } from 'vitest';
import { TopicRouter } from '../../gateway/web/client/shared/topic-router.ts';
import type { BayView } from '../../gateway/yard/yard-payloads.ts';

/**
 * The pages' topic router (browser code, run here as plain TypeScript) holds every message to
 * PAGE_MESSAGE_BUDGET before it parses or schema-checks it: a message over it is counted and
 * dropped, its handler never runs, and the router goes on with the next one.
 */
const SITE = 'budget-site';
const topic = `gatepost/${SITE}/yard/bay/P-0001`;

const view = (samples: string): string =>
  JSON.stringify({
    bay: 'P-0001',
    zone: 'A',
    zoneKind: 'parking',
    state: 'sampled',
    since: 1,
    sensor: { state: 'none' },
    truck: {
      visitId: 'v-1',
      plate: '晋A10001',
      intent: 'yard',
      lane: 'east-1',
      reservedAt: 1,
      arrivedAt: 2,
      isolated: false,
      samples: '@@',
    },
  }).replace('"@@"', samples);

const ONE_SAMPLE = '[{"id":"s-1","kind":"antigen","at":3,"dueAt":4,"overdue":false}]';

function router() {
  const got: BayView[] = [];
  const r = new TopicRouter(SITE).on('yardBay', (v) => got.push(v));
  return { r, got };
}

afterEach(() => vi.restoreAllMocks());

describe('the pages’ topic router: a budget before parsing', () => {
  it('a real bay view is handed to its handler', () => {
    const { r, got } = router();
    expect(r.dispatch(topic, new TextEncoder().encode(view(ONE_SAMPLE)))).toBe(true);
    expect(got).toHaveLength(1);
    expect(got[0]?.truck?.samples).toHaveLength(1);
    expect(r.invalid).toBe(0);
  });

  it('over the byte cap, nested too deep, or with too many items: dropped and counted, the next message still handled', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { r, got } = router();
    const hostile = [
      // 70 KB of padding in a string: over the byte cap.
      view(ONE_SAMPLE).replace('"v-1"', `"${'x'.repeat(70 * 1024)}"`),
      // Nested 40 deep.
      view(`${'['.repeat(40)}${']'.repeat(40)}`),
      // 20,000 empty objects in ~40 KB: under the byte cap, far over the items cap.
      view(`[${Array(20_000).fill('{}').join(',')}]`),
    ];
    for (const text of hostile) {
      const t0 = performance.now();
      expect(r.dispatch(topic, new TextEncoder().encode(text))).toBe(true);
      // Refused by a scan that stops at the cap, not by the schema check (~0.4 s for the third).
      expect(performance.now() - t0).toBeLessThan(200);
    }
    expect(got).toHaveLength(0);
    expect(r.invalid).toBe(3);
    const reasons = warn.mock.calls.map((c) => String(c[0]));
    expect(reasons[0]).toMatch(/too large/);
    expect(reasons[1]).toMatch(/nested deeper than 16/);
    expect(reasons[2]).toMatch(/more than 2000 items/);

    r.dispatch(topic, new TextEncoder().encode(view(ONE_SAMPLE)));
    expect(got).toHaveLength(1);
  });
});
