import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from '../../core/logger.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import { HandoverRetention } from './handover-retention.ts';
import { type Pseudonymiser, scrubPersonalData } from './personal-data.ts';
import type { Reclaimer } from './reclaimer.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * Rows handled per statement or transaction: a step of the run, about a millisecond or two of
 * the event loop here (and its fsync). At most ROWS_PER_RUN a run; the rest waits for the next.
 */
const CHUNK = 50;
const ROWS_PER_RUN = 50000;
/** The event loop's time a run takes before it lets other work (a lane's scan) go first. */
const RETENTION_SLICE_MS = 4;

export interface RetentionReport {
  reclaimed: number;
  ledgerDeleted: number;
  /** Cards whose validity ended more than `ledgerMaxAgeDays` ago (their stored codes hold the subject). */
  cardsDeleted: number;
  recordsScrubbed: number;
  ledgerScrubbed: number;
  /** True when the run stopped at its budget and more is due. */
  more: boolean;
}

type StorageConfig = SiteConfig['storage'];

/**
 * Age rules, run every `storage.maintenanceIntervalMs`:
 * - delivered records older than `maxAgeDays` are deleted (undelivered ones never are);
 * - ledger entries not updated for `ledgerMaxAgeDays` are deleted;
 * - the same two rules for the hand-overs' ledger (handover-retention.ts: the escort's name, phone);
 * - cards whose validity ended `ledgerMaxAgeDays` ago are deleted (a card's stored code holds the
 *   person's pseudonymous subject; an expired card is refused at any lane, revoked or not);
 * - names, ID numbers, pass codes and holder ids in records and in the ledger are pseudonymised
 *   or deleted (`personalData`) after `personalDataRetentionDays`, once delivered: a record
 *   once its stream's cursor has passed it, a ledger entry once every stream has delivered
 *   everything up to its last update.
 */
export class Retention {
  private readonly selectPersonal: Statement;
  private readonly updateData: Statement;
  private readonly selectStreams: Statement;
  private readonly oldestPending: Statement;
  private readonly selectLedgerPersonal: Statement;
  private readonly updateLedgerPersonal: Statement;
  private readonly deleteLedger: Statement;
  private readonly deleteCards: Statement;
  private readonly handovers: HandoverRetention;

  constructor(
    private readonly db: Database,
    private readonly reclaimer: Reclaimer,
    private readonly pseudonymiser: Pseudonymiser,
    private readonly config: StorageConfig,
    private readonly log: Logger,
  ) {
    this.selectStreams = db.prepare('SELECT stream, delivered_seq FROM streams');
    this.selectPersonal = db.prepare(
      'SELECT rowid, at, data FROM records WHERE stream = ? AND seq <= ? AND personal = 1 ORDER BY seq LIMIT ?',
    );
    this.updateData = db.prepare('UPDATE records SET data = ?, personal = 0 WHERE rowid = ?');
    this.oldestPending = db.prepare(
      'SELECT MIN((SELECT at FROM records r WHERE r.stream = s.stream AND r.seq > s.delivered_seq ORDER BY r.seq LIMIT 1)) AS at FROM streams s',
    );
    this.selectLedgerPersonal = db.prepare(
      `SELECT entry_id, driver_name, driver_id_number, driver_subject, persons FROM ledger
       WHERE personal = 'kept' AND updated_at < ? ORDER BY updated_at LIMIT ?`,
    );
    this.updateLedgerPersonal = db.prepare(
      `UPDATE ledger SET driver_name = ?, driver_id_number = ?, driver_subject = ?, persons = ?, personal = ?
       WHERE entry_id = ?`,
    );
    this.handovers = new HandoverRetention(db);
    this.deleteLedger = db.prepare(
      'DELETE FROM ledger WHERE entry_id IN (SELECT entry_id FROM ledger WHERE updated_at < ? LIMIT ?)',
    );
    this.deleteCards = db.prepare(
      'DELETE FROM cards WHERE id IN (SELECT id FROM cards WHERE valid_until < ? LIMIT ?)',
    );
  }

  /** The whole run in one go (tests; the gateway runs it in slices, `runSliced`). */
  run(now: number): RetentionReport {
    const steps = this.steps(now);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /**
   * The run as the gateway does it: step after step, letting the event loop go (`pause`) each
   * time `sliceMs` of steps have passed, so that a lane's input never waits behind more than a
   * slice and a step. Every step is a statement or transaction of its own, so what other work
   * commits between them is seen by the next step's query. `pause` resolves false to end the
   * run there (the store is closing): what was done stays done, the report says `more`.
   */
  async runSliced(
    now: number,
    pause: () => Promise<boolean>,
    sliceMs = RETENTION_SLICE_MS,
  ): Promise<RetentionReport> {
    const steps = this.steps(now);
    let sliceStart = performance.now();
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      if (performance.now() - sliceStart >= sliceMs) {
        if (!(await pause())) return { ...step.value, more: true };
        sliceStart = performance.now();
      }
    }
  }

  /**
   * The run's steps: each `yield` ends one statement or transaction of at most CHUNK rows and
   * gives the report as far as the run has come; the return value is the whole run's.
   */
  private *steps(now: number): Generator<RetentionReport, RetentionReport> {
    const c = this.config;
    const report: RetentionReport = {
      reclaimed: 0,
      ledgerDeleted: 0,
      cardsDeleted: 0,
      recordsScrubbed: 0,
      ledgerScrubbed: 0,
      more: false,
    };
    let budget = ROWS_PER_RUN;

    const recordCutoff = now - c.maxAgeDays * DAY_MS;
    while (budget > 0) {
      const n = this.reclaimer.reclaimDelivered({ limit: Math.min(CHUNK, budget), olderThan: recordCutoff });
      report.reclaimed += n;
      budget -= n;
      if (n === 0) break;
      yield report;
    }

    const ledgerCutoff = now - c.ledgerMaxAgeDays * DAY_MS;
    while (budget > 0) {
      const n = this.deleteLedger.run(ledgerCutoff, Math.min(CHUNK, budget)).changes;
      report.ledgerDeleted += n;
      budget -= n;
      if (n === 0) break;
      yield report;
    }
    while (budget > 0) {
      const n = this.deleteCards.run(ledgerCutoff, Math.min(CHUNK, budget)).changes;
      report.cardsDeleted += n;
      budget -= n;
      if (n === 0) break;
      yield report;
    }

    const personalCutoff = now - c.personalDataRetentionDays * DAY_MS;
    const transform = this.pseudonymiser.transform(c.personalData);
    for (const s of this.selectStreams.all() as { stream: string; delivered_seq: number }[]) {
      while (budget > 0) {
        const rows = this.selectPersonal.all(s.stream, s.delivered_seq, Math.min(CHUNK, budget)) as {
          rowid: number;
          at: number;
          data: string;
        }[];
        const due = rows.filter((r) => r.at < personalCutoff);
        if (due.length === 0) break;
        this.db.transaction(() => {
          for (const r of due) {
            this.updateData.run(JSON.stringify(scrubPersonalData(JSON.parse(r.data), transform)), r.rowid);
          }
        })();
        report.recordsScrubbed += due.length;
        budget -= due.length;
        if (due.length < rows.length) break; // the rest are younger
        yield report;
      }
    }

    // A ledger entry is delivered once every stream has delivered everything up to its last
    // update: nothing older than the oldest pending record is still waiting.
    const oldestPendingAt = (this.oldestPending.get() as { at: number | null }).at ?? Number.MAX_SAFE_INTEGER;
    const ledgerPersonalCutoff = Math.min(personalCutoff, oldestPendingAt);
    const state = c.personalData === 'delete' ? 'deleted' : 'pseudonymised';
    while (budget > 0) {
      const rows = this.selectLedgerPersonal.all(ledgerPersonalCutoff, Math.min(CHUNK, budget)) as {
        entry_id: string;
        driver_name: string | null;
        driver_id_number: string | null;
        driver_subject: string | null;
        persons: string | null;
      }[];
      if (rows.length === 0) break;
      const t = (v: string | null) => (v === null ? null : transform(v));
      this.db.transaction(() => {
        for (const r of rows) {
          this.updateLedgerPersonal.run(
            t(r.driver_name),
            t(r.driver_id_number),
            t(r.driver_subject),
            // Each person of the crew: their name, ID number and holder id (personal-data.ts keys).
            r.persons === null ? null : JSON.stringify(scrubPersonalData(JSON.parse(r.persons), transform)),
            state,
            r.entry_id,
          );
        }
      })();
      report.ledgerScrubbed += rows.length;
      budget -= rows.length;
      yield report;
    }

    // The hand-overs' ledger, by the same rules (the escort's name and phone).
    const h = this.handovers.run(this.db, {
      ledgerCutoff,
      personalCutoff: ledgerPersonalCutoff,
      transform,
      state,
      budget,
    });
    report.ledgerDeleted += h.deleted;
    report.ledgerScrubbed += h.scrubbed;
    budget -= h.deleted + h.scrubbed;

    report.more = budget <= 0;
    if (
      report.reclaimed +
        report.ledgerDeleted +
        report.cardsDeleted +
        report.recordsScrubbed +
        report.ledgerScrubbed >
      0
    ) {
      this.log.info({ ...report }, 'retention run');
    }
    return report;
  }
}
