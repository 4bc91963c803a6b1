import BetterSqlite3 from 'better-sqlite3';

/** One table of the store (with its indexes' pages counted in `indexMb`). */
export interface StoreTable {
  rows: number;
  /** Pages of the table itself (SQLite's dbstat), MB. */
  mb: number;
  /** Pages of its indexes, MB. */
  indexMb: number;
}

/** What the store's file holds, table by table, and its free pages. */
export interface StoreTables {
  tables: Record<string, StoreTable>;
  /** Pages on the freelist (deleted rows' pages, reused before the file grows), MB. */
  freeMb: number;
  /** Rows of the records table by record type. */
  recordTypes: Record<string, number>;
}

const MB = 1024 * 1024;
const r3 = (n: number) => Math.round(n * 1000) / 1000;

/**
 * Reads the gateway's store from outside, by a read-only connection (WAL mode lets it read beside
 * the gateway's writer): every table's rows and pages, and its indexes' pages, from SQLite's
 * `dbstat` table, and the records by type, so that a store that grows after retention says which table grows. Undefined
 * when the file cannot be read (not yet created, or busy past the timeout).
 */
export function readStoreTables(path: string): StoreTables | undefined {
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true, timeout: 2000 });
    const owners = new Map<string, string>();
    for (const o of db
      .prepare("SELECT name, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')")
      .all() as { name: string; tbl_name: string }[])
      owners.set(o.name, o.tbl_name);
    const tables: Record<string, StoreTable> = {};
    for (const [name, table] of owners)
      if (name === table && !name.startsWith('sqlite_'))
        tables[name] = {
          rows: (
            db.prepare(`SELECT count(*) AS n FROM "${name.replaceAll('"', '""')}"`).get() as { n: number }
          ).n,
          mb: 0,
          indexMb: 0,
        };
    for (const p of db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all() as {
      name: string;
      bytes: number;
    }[]) {
      const owner = owners.get(p.name) ?? p.name;
      const t = tables[owner];
      if (!t) continue;
      if (p.name === owner) t.mb = r3(p.bytes / MB);
      else t.indexMb = r3(t.indexMb + p.bytes / MB);
    }
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    const recordTypes: Record<string, number> = {};
    if (tables.records)
      for (const r of db.prepare('SELECT type, count(*) AS n FROM records GROUP BY type').all() as {
        type: string;
        n: number;
      }[])
        recordTypes[r.type] = r.n;
    return { tables, freeMb: r3((free * pageSize) / MB), recordTypes };
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}
