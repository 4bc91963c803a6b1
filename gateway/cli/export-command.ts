import { createWriteStream } from 'node:fs';
import type { WriteStream as TtyWriteStream } from 'node:tty';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { errorMessage, isGatepostError } from '../../core/errors.ts';
import { plateColourCode } from '../../core/plate-colour.ts';
import { loadConfigFile } from '../../site-config/load.ts';
import { entryFromRow, type LedgerEntry, type LedgerPerson, type LedgerRow } from '../store/ledger.ts';
import { writeHandovers } from './export-handovers.ts';
import { DEFAULT_CONFIG, wantsHelp } from './options.ts';

const USAGE = `usage: gatepost export --from TIME --to TIME [--kind ledger|handovers] [--format csv|jsonl] [--out FILE] [--config FILE | --db FILE]

Writes the ledger of trucks and drivers that arrived in [from, to): plate (and its colour,
the trailer's), each person in the cab (CSV: a row each; JSON lines: an entry each, with its
persons), origin, destination, lane, decision, temperature, yard bay, tests and results,
departure. TIME is
ISO 8601 (a date alone is midnight UTC). Output goes to stdout unless --out is given; a progress
bar goes to stderr when stderr is a terminal. The store is opened read only: the gateway may run.
--kind handovers writes the point-to-point hand-overs opened in [from, to) instead: the trucks,
the escort, the seals, the cargo, each step's time (docs/yard.md).
`;

const PAGE = 500;

/** `gatepost export`: the ledger of a period, as CSV (default) or JSON lines. */
export async function exportCommand(
  argv: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  if (wantsHelp(argv)) {
    out.write(USAGE);
    return 0;
  }
  let values: {
    from?: string;
    to?: string;
    kind?: string;
    format?: string;
    out?: string;
    config?: string;
    db?: string;
  };
  try {
    values = parseArgs({
      args: argv,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        kind: { type: 'string', default: 'ledger' },
        format: { type: 'string', default: 'csv' },
        out: { type: 'string', short: 'o' },
        config: { type: 'string', short: 'c' },
        db: { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (e) {
    err.write(`gatepost export: ${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
  const from = parseTime(values.from);
  const to = parseTime(values.to);
  const format = values.format;
  const kind = values.kind;
  if (
    from === undefined ||
    to === undefined ||
    !(from < to) ||
    (format !== 'csv' && format !== 'jsonl') ||
    (kind !== 'ledger' && kind !== 'handovers')
  ) {
    err.write(
      `gatepost export: give --from and --to as ISO times, from before to, --format csv or jsonl, --kind ledger or handovers\n\n${USAGE}`,
    );
    return 2;
  }

  let dbPath = values.db;
  if (!dbPath) {
    try {
      dbPath = loadConfigFile(values.config ?? DEFAULT_CONFIG).storage.path;
    } catch (e) {
      if (!isGatepostError(e)) throw e;
      err.write(`${e.message}\n`);
      return 1;
    }
  }

  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
  } catch (e) {
    err.write(`gatepost export: cannot open the store at ${dbPath}: ${errorMessage(e)}\n`);
    return 1;
  }
  const sink: NodeJS.WritableStream = values.out ? createWriteStream(values.out) : out;
  const end = async () => {
    if (sink === out) return;
    await new Promise<void>((resolve, reject) => {
      sink.once('error', reject);
      sink.end(() => resolve());
    });
  };
  try {
    if (kind === 'handovers') {
      const n = await writeHandovers(db, { from, to, format, field: csvField }, writer(sink), (total) =>
        progressBar(err, total),
      );
      await end();
      err.write(`gatepost export: ${n} hand-overs written\n`);
      return 0;
    }
    const total = (
      db
        .prepare('SELECT COUNT(*) AS n FROM ledger WHERE arrived_at >= ? AND arrived_at < ?')
        .get(from, to) as {
        n: number;
      }
    ).n;
    // Keyset pages in (arrived_at, entry_id) order: steady memory however long the period.
    const page = db.prepare(
      `SELECT * FROM ledger WHERE arrived_at < @to AND
         (arrived_at > @at OR (arrived_at = @at AND entry_id > @id))
       ORDER BY arrived_at, entry_id LIMIT ${PAGE}`,
    );
    const progress = progressBar(err, total);
    const write = writer(sink);
    const line = format === 'csv' ? csvLine : jsonLine;
    if (format === 'csv') await write(`${CSV_COLUMNS.join(',')}\r\n`);
    let rows = 0;
    let cursor = { at: from - 1, id: '' };
    for (;;) {
      const batch = page.all({ to, at: cursor.at, id: cursor.id }) as LedgerRow[];
      for (const row of batch) {
        await write(line(entryFromRow(row)));
        rows++;
      }
      const last = batch.at(-1);
      if (!last || batch.length < PAGE) break;
      cursor = { at: last.arrived_at, id: last.entry_id };
      progress(rows);
    }
    progress(rows, true);
    await end();
    err.write(`gatepost export: ${rows} ledger entries written\n`);
    return 0;
  } catch (e) {
    err.write(`gatepost export: ${errorMessage(e)}\n`);
    return 1;
  } finally {
    db.close();
  }
}

/** ISO 8601 time, or a date alone (midnight UTC). */
function parseTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
  return Number.isFinite(t) ? t : undefined;
}

// ---- formats --------------------------------------------------------------------------------

const iso = (t: number | undefined) => (t === undefined ? '' : new Date(t).toISOString());

export const CSV_COLUMNS = [
  'entry_id',
  'transit_id',
  'visit_id',
  'lane',
  'plate',
  'plate_colour',
  'plate_colour_code',
  'trailer_plate',
  'seat',
  'role',
  'person_name',
  'person_id_number',
  'person_subject',
  'personal_data',
  'origin',
  'destination',
  'arrived_at',
  'decision',
  'decided_by',
  'reasons',
  'person_outcome',
  'person_reasons',
  'temperature_c',
  'lane_end',
  'bay',
  'yard_arrived_at',
  'antigen_at',
  'antigen_result',
  'antigen_result_at',
  'pcr_at',
  'pcr_result',
  'pcr_result_at',
  'tests',
  'departed_at',
] as const;

/** A CSV field: quoted when needed, and a leading = + - @ defused (spreadsheet formula injection). */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** An entry as CSV: a row for each person in the cab (one with no person when nobody is known). */
export function csvLine(e: LedgerEntry): string {
  const persons: (LedgerPerson | undefined)[] = e.persons.length > 0 ? e.persons : [undefined];
  return persons.map((person) => csvRow(e, person)).join('');
}

function csvRow(e: LedgerEntry, person: LedgerPerson | undefined): string {
  const last = (kind: 'antigen' | 'pcr') => e.tests.filter((t) => t.kind === kind).at(-1);
  const a = last('antigen');
  const p = last('pcr');
  const temperatureC = person ? person.temperatureC : e.temperatureC;
  const cells = [
    e.entryId,
    e.transitId ?? '',
    e.visitId ?? '',
    e.lane ?? '',
    e.plate ?? '',
    e.plateColour ?? '',
    e.plateColour ? String(plateColourCode(e.plateColour)) : '',
    e.trailerPlate ?? '',
    person ? String(person.seat) : '',
    person?.role ?? '',
    person?.personName ?? '',
    person?.idNumber ?? '',
    person?.subject ?? '',
    e.personalData,
    e.origin ?? '',
    e.destination ?? '',
    iso(e.arrivedAt),
    e.decision ?? '',
    e.decidedBy ?? '',
    e.reasons.join(' '),
    person?.outcome ?? '',
    person ? person.reasons.join(' ') : '',
    temperatureC === undefined ? '' : String(temperatureC),
    e.laneEnd ?? '',
    e.bay ?? '',
    iso(e.yardArrivedAt),
    iso(a?.sampledAt),
    a ? (a.result ?? 'pending') : '',
    iso(a?.resultAt),
    iso(p?.sampledAt),
    p ? (p.result ?? 'pending') : '',
    iso(p?.resultAt),
    String(e.tests.length),
    iso(e.departedAt),
  ];
  return `${cells.map(csvField).join(',')}\r\n`;
}

export function jsonLine(e: LedgerEntry): string {
  return `${JSON.stringify(e)}\n`;
}

/** Writes with backpressure: waits for `drain` when the stream asks for it. */
function writer(stream: NodeJS.WritableStream): (chunk: string) => Promise<void> {
  return (chunk) =>
    stream.write(chunk) ? Promise.resolve() : new Promise((resolve) => stream.once('drain', () => resolve()));
}

/** A progress bar on stderr, only when stderr is a terminal; redrawn at most every 100 ms. */
function progressBar(err: NodeJS.WritableStream, total: number): (done: number, last?: boolean) => void {
  if (!(err as Partial<TtyWriteStream>).isTTY || total === 0) return () => {};
  let drawnAt = 0;
  return (done, last = false) => {
    const now = Date.now();
    if (!last && now - drawnAt < 100) return;
    drawnAt = now;
    const ratio = Math.min(1, done / total);
    const width = 30;
    const filled = Math.round(ratio * width);
    err.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}% ` +
        `${done.toLocaleString('en')}/${total.toLocaleString('en')} entries${last ? '\n' : ''}`,
    );
  };
}
