import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.ts';
import { AnyRecordSchema } from '../../gateway/mqtt/record.ts';
import { TOPICS } from '../../gateway/mqtt/topics.ts';
import { BayViewSchema, YardSummarySchema } from '../../gateway/yard/yard-payloads.ts';
import { request, retainedYard, SITE, startYardStack, type YardStack } from './stack.ts';

const stacks: YardStack[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.stop();
});

async function stack() {
  const s = await startYardStack();
  stacks.push(s);
  return s;
}

describe('the yard over MQTT and SQLite', () => {
  it('a page connecting sees every bay and the summary, retained, in the documented shapes', async () => {
    const s = await stack();
    await s.yard.settle();
    const { bays, summary } = await retainedYard(s.broker.url ?? '', 1200);
    expect(bays.size).toBe(1200);
    for (const v of bays.values()) BayViewSchema.parse(v);
    expect(bays.get('P-0412')).toMatchObject({
      bay: 'P-0412',
      zone: 'parking',
      state: 'free',
      sensor: { state: 'unknown' },
    });
    expect(YardSummarySchema.parse(summary)).toMatchObject({
      bays: 1200,
      trucks: 0,
      counts: { free: 1200 },
      next: { parking: 'P-0001', isolation: 'I-0001', handover: 'H-0001' },
    });
    expect(summary.zones.map((z) => [z.kind, z.bays])).toEqual([
      ['work', 0],
      ['living', 0],
      ['parking', 900],
      ['isolation', 100],
      ['handover', 200],
    ]);
  });

  it('coordinator requests: validated, committed, answered in the envelope, state and records on the broker', async () => {
    const s = await stack();
    const records: Record<string, unknown>[] = [];
    s.page.on('message', (topic, payload) => {
      if (/^gatepost\/demo\/yard\/[a-z-]+$/.test(topic) && !topic.endsWith('/summary')) {
        records.push(AnyRecordSchema.parse(JSON.parse(payload.toString())));
      }
    });
    await s.page.subscribeAsync(`gatepost/${SITE}/yard/+`, { qos: 1 });

    const assigned = await request(
      s.page,
      'assign',
      { plate: '晋D30001', zoneKind: 'parking', arrived: true },
      'tx-1',
    );
    expect(assigned).toMatchObject({
      transaction: 'tx-1',
      status: 'ok',
      data: { bays: [{ bay: 'P-0001', state: 'occupied', truck: { plate: '晋D30001' } }] },
    });
    TOPICS.yardResponse.schema.parse(assigned);

    const sampled = await request(s.page, 'sample', { bay: 'P-0001', kind: 'antigen' }, 'tx-2');
    expect(sampled).toMatchObject({ status: 'ok', data: { sample: { kind: 'antigen', overdue: false } } });
    const result = await request(s.page, 'result', { bay: 'P-0001', result: 'negative' }, 'tx-3');
    expect(result).toMatchObject({ status: 'ok', data: { bays: [{ state: 'cleared' }] } });

    // Refused: a clear reason, audited as a record.
    const refused = await request(s.page, 'block', { bay: 'P-0001', reason: 'disinfection' }, 'tx-4');
    expect(refused).toMatchObject({
      transaction: 'tx-4',
      status: 'error',
      data: { code: ErrorCode.IllegalTransition, reason: 'not-free' },
    });
    expect(refused.error).toMatch(/truck/i);
    // Invalid: refused before anything happens, not recorded.
    const invalid = await request(s.page, 'sample', { bay: 'P-1', kind: 'saliva' }, 'tx-5');
    expect(invalid).toMatchObject({ status: 'error', data: { code: ErrorCode.PayloadInvalid } });
    const unknown = await request(s.page, 'teleport', { bay: 'P-0001' }, 'tx-6');
    expect(unknown).toMatchObject({
      transaction: 'tx-6',
      status: 'error',
      error: 'unknown action "teleport"',
      data: { reason: 'unknown-action' },
    });

    await s.yard.settle();
    await expect.poll(() => records.length).toBeGreaterThanOrEqual(5);
    expect(records.map((r) => r.type)).toEqual([
      'bay-reserved',
      'truck-arrived',
      'sample-recorded',
      'result-recorded',
      'request-refused',
    ]);
    expect(records[3]).toMatchObject({
      stream: 'yard',
      data: { by: { kind: 'staff', id: 'C-07', transaction: 'tx-3' } },
    });
    for (const r of records) {
      const def = Object.values(TOPICS).find((t) => t.pattern === `gatepost/{site}/yard/${r.type}`);
      expect(def, String(r.type)).toBeDefined();
      def?.schema.parse(r);
    }
    // Every record on the broker was committed first: the store has them, in the same order.
    expect(s.store.readStream('yard').map((r) => r.id)).toEqual(records.map((r) => r.id));

    const { bays } = await retainedYard(s.broker.url ?? '', 1200);
    expect(bays.get('P-0001')).toMatchObject({
      state: 'cleared',
      truck: { samples: [{ result: 'negative' }] },
    });
  });

  it('a request over the size cap is refused without parsing', async () => {
    const s = await stack();
    // Not parsed, so its transaction is not known either: the reply's is empty.
    const big = { plate: 'X', zoneKind: 'parking', reason: 'x'.repeat(20_000) };
    const reply = await request(s.page, 'assign', big, 'tx-big', '');
    expect(reply).toMatchObject({ status: 'error' });
    expect(reply.error).toMatch(/too large/);
    expect(s.store.readStream('yard')).toHaveLength(0);
  });
});
