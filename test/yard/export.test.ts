import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { CSV_COLUMNS, csvField, exportCommand } from '../../gateway/cli/export-command.ts';
import { LedgerEntrySchema } from '../../gateway/store/ledger.ts';
import { parseCsvLine } from '../support/csv-line.ts';
import { startYardStack, type YardStack } from './stack.ts';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const MIN = 60_000;
const DAY = Date.UTC(2026, 10, 22);
const staff = { kind: 'staff', id: 'S-3' } as const;

/** A captured output stream; `tty` makes it look like a terminal. */
function capture(tty = false) {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => {
    text += c.toString();
  });
  if (tty) Object.assign(stream, { isTTY: true });
  return { stream, text: () => text };
}

/** Two days of the yard: a lane's truck with a registered driver, tested and gone; others. */
async function yardWithHistory(): Promise<{ s: YardStack; clock: ManualClock }> {
  const clock = new ManualClock(DAY + 8 * 60 * MIN);
  const s = await startYardStack({ clock });
  cleanup.push(() => s.stop());
  // The lane's records of a manual registration (its decision carries the driver) ...
  await s.store.append('lane/east-1', 'transit-start', {
    lane: 'east-1',
    transitId: 't-1',
    trigger: 'loop',
    tailgate: false,
  });
  await s.store.append('lane/east-1', 'decision', {
    lane: 'east-1',
    transitId: 't-1',
    outcome: 'YARD',
    by: 'rules',
    reasons: [{ code: 'manual-registration' }],
    manual: {
      plate: '晋D10001',
      name: 'Wang Wei',
      idNumber: '1401**********1234',
      origin: 'Taiyuan, Shanxi',
      destination: '=HYPERLINK("x")',
    },
  });
  // ... and the yard's: reserved for that transit, arrived, tested negative, left.
  await s.yard.reserve({
    zoneKind: 'parking',
    plate: '晋D10001',
    lane: 'east-1',
    transitId: 't-1',
    reason: 'manual-registration',
  });
  await clock.advance(10 * MIN);
  await s.yard.arrive('P-0001', staff);
  await s.yard.sample('P-0001', 'antigen', staff);
  await clock.advance(15 * MIN);
  await s.yard.result('P-0001', { result: 'negative' }, staff);
  await s.yard.exit({ plate: '晋D10001', lane: 'yard-exit' });
  // A coordinator's hand-over truck, still in the yard; and one the next day.
  await s.yard.assign({ plate: 'HO-7', zoneKind: 'handover', arrived: true, reason: 'transfer' }, staff);
  await clock.advance(24 * 60 * MIN);
  await s.yard.assign({ plate: 'NEXT-1', zoneKind: 'parking', arrived: true, reason: 'x' }, staff);
  await s.yard.settle();
  return { s, clock };
}

describe('gatepost export: the ledger of trucks and drivers of a period', () => {
  it('writes CSV of the stays that began in the period, joined with the lane records, safe for spreadsheets', async () => {
    const { s } = await yardWithHistory();
    const out = capture();
    const err = capture();
    const day = new Date(DAY).toISOString().slice(0, 10);
    const next = new Date(DAY + 24 * 60 * MIN).toISOString().slice(0, 10);
    const code = await exportCommand(['--db', s.dbPath, '--from', day, '--to', next], out.stream, err.stream);
    expect(code, err.text()).toBe(0);
    const lines = out.text().trimEnd().split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(3); // NEXT-1 arrived the next day
    const rows = lines
      .slice(1)
      .map((l) => Object.fromEntries(parseCsvLine(l).map((v, i) => [CSV_COLUMNS[i], v])));
    const wang = rows.find((r) => r.plate === '晋D10001');
    expect(wang).toMatchObject({
      transit_id: 't-1',
      lane: 'east-1',
      seat: '1',
      role: 'driver',
      person_name: 'Wang Wei',
      origin: 'Taiyuan, Shanxi',
      destination: `'=HYPERLINK("x")`,
      decision: 'YARD',
      bay: 'P-0001',
      antigen_result: 'negative',
      tests: '1',
    });
    expect(wang?.departed_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(rows.find((r) => r.plate === 'HO-7')).toMatchObject({ bay: 'H-0001', departed_at: '' });
    expect(err.text()).toContain('2 ledger entries written');
    expect(err.text()).not.toContain('\r['); // not a terminal: no progress bar
  });

  it('writes JSON lines in the ledger schema, to a file, with a progress bar when stderr is a terminal', async () => {
    const { s } = await yardWithHistory();
    const file = join(mkdtempSync(join(tmpdir(), 'gatepost-export-')), 'ledger.jsonl');
    const err = capture(true);
    const code = await exportCommand(
      [
        '--db',
        s.dbPath,
        '--from',
        new Date(DAY).toISOString(),
        '--to',
        new Date(DAY + 3 * 24 * 60 * MIN).toISOString(),
        '--format',
        'jsonl',
        '--out',
        file,
      ],
      capture().stream,
      err.stream,
    );
    expect(code, err.text()).toBe(0);
    const entries = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => LedgerEntrySchema.parse(JSON.parse(l)));
    expect(entries.map((e) => e.plate)).toEqual(['晋D10001', 'HO-7', 'NEXT-1']);
    expect(entries[0]?.tests).toEqual([expect.objectContaining({ kind: 'antigen', result: 'negative' })]);
    expect(err.text()).toMatch(/\r\[#+\] 100% 3\/3 entries\n/);
  });

  it('pages through a large export: every entry once, even with equal arrival times', async () => {
    const clock = new ManualClock(DAY);
    const s = await startYardStack({ clock });
    cleanup.push(() => s.stop());
    // 1,200 trucks arriving at the same instant: the pages must split ties correctly.
    await Promise.all(
      Array.from({ length: 1200 }, (_, i) =>
        s.yard.assign(
          {
            plate: `T-${i}`,
            zoneKind: i < 900 ? 'parking' : i < 1000 ? 'isolation' : 'handover',
            arrived: false,
            reason: 'x',
          },
          staff,
        ),
      ),
    );
    await s.yard.settle();
    const out = capture();
    const err = capture(true);
    const code = await exportCommand(
      ['--db', s.dbPath, '--from', '2026-11-22', '--to', '2026-11-23', '--format', 'jsonl'],
      out.stream,
      err.stream,
    );
    expect(code, err.text()).toBe(0);
    const plates = out
      .text()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).plate as string);
    expect(plates).toHaveLength(1200);
    expect(new Set(plates).size).toBe(1200);
    expect(err.text()).toContain('1,200/1,200 entries');
  }, 60_000);

  it('refuses bad arguments (2) and a store that is not there (1)', async () => {
    const err = capture();
    expect(
      await exportCommand(
        ['--from', '2026-11-23', '--to', '2026-11-22', '--db', 'x.db'],
        capture().stream,
        err.stream,
      ),
    ).toBe(2);
    expect(
      await exportCommand(
        ['--from', 'yesterday', '--to', '2026-11-22', '--db', 'x.db'],
        capture().stream,
        err.stream,
      ),
    ).toBe(2);
    expect(
      await exportCommand(
        ['--from', '2026-11-21', '--to', '2026-11-22', '--format', 'xml'],
        capture().stream,
        err.stream,
      ),
    ).toBe(2);
    expect(await exportCommand(['--bogus'], capture().stream, err.stream)).toBe(2);
    expect(err.text()).toContain('usage: gatepost export');
    const missing = capture();
    const dir = mkdtempSync(join(tmpdir(), 'gatepost-export-'));
    expect(
      await exportCommand(
        ['--from', '2026-11-21', '--to', '2026-11-22', '--db', join(dir, 'none.db')],
        capture().stream,
        missing.stream,
      ),
    ).toBe(1);
    expect(missing.text()).toContain('cannot open the store');
  });

  it('quotes and defuses CSV fields', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField('-5')).toBe("'-5");
  });
});
