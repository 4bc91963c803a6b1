import type { Database, Statement } from 'better-sqlite3';

const CHUNK = 2000;

/**
 * The age rules of the hand-over ledger (handover-ledger.ts), run with the ledger's
 * (retention.ts): a hand-over not updated for `ledgerMaxAgeDays` is deleted; the escort's name
 * and phone are pseudonymised or deleted once past `personalDataRetentionDays` and delivered.
 */
export class HandoverRetention {
  private readonly selectPersonal: Statement;
  private readonly updatePersonal: Statement;
  private readonly deleteOld: Statement;

  constructor(db: Database) {
    this.selectPersonal = db.prepare(
      `SELECT handover_id, escort_name, escort_phone FROM handovers
       WHERE personal = 'kept' AND updated_at < ? ORDER BY updated_at LIMIT ?`,
    );
    this.updatePersonal = db.prepare(
      'UPDATE handovers SET escort_name = ?, escort_phone = ?, personal = ? WHERE handover_id = ?',
    );
    this.deleteOld = db.prepare(
      'DELETE FROM handovers WHERE handover_id IN (SELECT handover_id FROM handovers WHERE updated_at < ? LIMIT ?)',
    );
  }

  /** One run within `budget` rows; says how many rows it deleted and scrubbed. */
  run(
    db: Database,
    o: {
      ledgerCutoff: number;
      personalCutoff: number;
      transform: (s: string) => string | null;
      state: 'pseudonymised' | 'deleted';
      budget: number;
    },
  ): { deleted: number; scrubbed: number } {
    let budget = o.budget;
    let deleted = 0;
    let scrubbed = 0;
    while (budget > 0) {
      const n = this.deleteOld.run(o.ledgerCutoff, Math.min(CHUNK, budget)).changes;
      deleted += n;
      budget -= n;
      if (n === 0) break;
    }
    const t = (v: string | null) => (v === null ? null : o.transform(v));
    while (budget > 0) {
      const rows = this.selectPersonal.all(o.personalCutoff, Math.min(CHUNK, budget)) as {
        handover_id: string;
        escort_name: string | null;
        escort_phone: string | null;
      }[];
      if (rows.length === 0) break;
      db.transaction(() => {
        for (const r of rows)
          this.updatePersonal.run(t(r.escort_name), t(r.escort_phone), o.state, r.handover_id);
      })();
      scrubbed += rows.length;
      budget -= rows.length;
    }
    return { deleted, scrubbed };
  }
}
