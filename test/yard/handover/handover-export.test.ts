import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { exportCommand } from '../../../gateway/cli/export-command.ts';
import { HANDOVER_CSV_COLUMNS } from '../../../gateway/cli/export-handovers.ts';
import { HandoverEntrySchema } from '../../../gateway/store/handover-ledger.ts';
import { parseCsvLine } from '../../support/csv-line.ts';
import { request, startYardStack, type YardStack } from '../stack.ts';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const MIN = 60_000;
const DAY = Date.UTC(2026, 11, 6);
const escort = { id: 'E-7', name: '=Chen Jun', phone: '13800001111' };

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => {
    text += c.toString();
  });
  return { stream, text: () => text };
}

/** One hand-over closed and its truck gone under escort, one aborted. */
async function twoHandovers(): Promise<YardStack> {
  const clock = new ManualClock(DAY + 9 * 60 * MIN);
  const s = await startYardStack({ clock });
  cleanup.push(() => s.stop());
  let n = 0;
  const ask = async (action: string, data: Record<string, unknown>) => {
    const r = await request(s.page, action, data, `x-${++n}`);
    expect(r.status, r.error).toBe('ok');
  };
  await ask('assign', { plate: 'IN-1', zoneKind: 'handover', bay: 'H-0001', arrived: true });
  await ask('assign', { plate: 'IN-2', zoneKind: 'handover', bay: 'H-0002', arrived: true });
  const opening = { receivingPlate: 'RX-1', escort, sealsBefore: ['s1'], cargo: 'Rice, 30 t' };
  await ask('handover-open', { bay: 'H-0001', ...opening });
  await clock.advance(10 * MIN);
  await ask('handover-open', { bay: 'H-0002', ...opening, receivingPlate: 'RX-2' });
  await ask('handover-receiving-arrived', { bay: 'H-0001' });
  await ask('handover-transferred', { bay: 'H-0001', sealsBroken: ['S1'], sealsAfter: ['S9', 'S10'] });
  await ask('handover-close', { bay: 'H-0001' });
  await ask('handover-abort', { bay: 'H-0002', reason: 'no receiving crew' });
  expect((await s.yard.exit({ plate: 'IN-1', lane: 'yard-exit' })).allowed).toBe(true);
  await s.yard.settle();
  return s;
}

describe('gatepost export --kind handovers', () => {
  it('writes the hand-overs of the period as CSV, escort and seals included, safe for spreadsheets', async () => {
    const s = await twoHandovers();
    const out = capture();
    const err = capture();
    const args = ['--db', s.dbPath, '--kind', 'handovers', '--from', '2026-12-06', '--to', '2026-12-07'];
    expect(await exportCommand(args, out.stream, err.stream), err.text()).toBe(0);
    const lines = out.text().trimEnd().split('\r\n');
    expect(lines[0]).toBe(HANDOVER_CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(3);
    const rows = lines
      .slice(1)
      .map((l) => Object.fromEntries(parseCsvLine(l).map((v, i) => [HANDOVER_CSV_COLUMNS[i], v])));
    expect(rows[0]).toMatchObject({
      bay: 'H-0001',
      inbound_plate: 'IN-1',
      receiving_plate: 'RX-1',
      escort_id: 'E-7',
      escort_name: "'=Chen Jun", // a formula defused
      escort_phone: '13800001111',
      personal_data: 'kept',
      cargo: 'Rice, 30 t',
      state: 'closed',
      seals_before: 'S1',
      seals_broken: 'S1',
      seals_after: 'S9 S10',
      seal_mismatch: 'no',
    });
    expect(lines[1]).toContain('"Rice, 30 t"');
    expect(lines[1]).toMatch(/,2026-12-06T09:\d\d:00.000Z$/); // departed under escort
    expect(lines[2]).toContain(',aborted,');
    expect(lines[2]).toContain('no receiving crew');
    expect(err.text()).toContain('2 hand-overs written');
  });

  it('writes JSON lines in the hand-over schema; a period without hand-overs has none', async () => {
    const s = await twoHandovers();
    const out = capture();
    const args = [
      '--db',
      s.dbPath,
      '--kind',
      'handovers',
      '--format',
      'jsonl',
      '--from',
      '2026-12-06',
      '--to',
      '2026-12-07',
    ];
    expect(await exportCommand(args, out.stream, capture().stream)).toBe(0);
    const entries = out
      .text()
      .trimEnd()
      .split('\n')
      .map((l) => HandoverEntrySchema.parse(JSON.parse(l)));
    expect(entries.map((e) => [e.receivingPlate, e.state])).toEqual([
      ['RX-1', 'closed'],
      ['RX-2', 'aborted'],
    ]);
    expect(entries[0]?.departedAt).toBeDefined();
    const none = capture();
    const later = ['--db', s.dbPath, '--kind', 'handovers', '--from', '2026-12-07', '--to', '2026-12-08'];
    expect(await exportCommand(later, none.stream, capture().stream)).toBe(0);
    expect(none.text()).toBe(`${HANDOVER_CSV_COLUMNS.join(',')}\r\n`);
    const bad = capture();
    expect(await exportCommand([...later, '--kind', 'cards'], capture().stream, bad.stream)).toBe(2);
    expect(bad.text()).toContain('--kind ledger or handovers');
  });
});
