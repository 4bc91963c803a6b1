import type { Database } from 'better-sqlite3';
import type { ReplaySighting } from './replay-guard.ts';

/*
 * What a lane's records say at start-up: the transit it left open, the maintenance staff set,
 * the passes it was shown lately. Read from the store, before the lanes take any input.
 */

/** The transit a lane had open when the gateway last stopped (none if it ended cleanly). */
export function openTransitOf(
  db: Database,
  stream: string,
): { transitId: string; startedAt: number } | undefined {
  const row = db
    .prepare(
      `SELECT type, at, data FROM records WHERE stream = ? AND type IN ('transit-start', 'transit-end')
       ORDER BY seq DESC LIMIT 1`,
    )
    .get(stream) as { type: string; at: number; data: string } | undefined;
  if (row?.type !== 'transit-start') return undefined;
  const data = JSON.parse(row.data) as { transitId: string };
  return { transitId: data.transitId, startedAt: row.at };
}

/**
 * Maintenance that staff set before the gateway stopped, from the lane's last accepted mode
 * request: it holds across a restart until staff clear it (a lane under repair must not come
 * back in automatic).
 */
export function maintenanceOf(db: Database, stream: string): { reason: string } | undefined {
  const row = db
    .prepare(
      `SELECT data FROM records WHERE stream = ? AND type = 'staff-action'
         AND json_extract(data, '$.action') = 'mode' AND json_extract(data, '$.ok') = 1
       ORDER BY seq DESC LIMIT 1`,
    )
    .get(stream) as { data: string } | undefined;
  if (!row) return undefined;
  const { detail } = JSON.parse(row.data) as { detail: string };
  // The audit's detail, as staff-requests.ts words it: "lane mode <mode>: <reason>".
  const m = /^lane mode (auto|maintenance): ([\s\S]*)$/.exec(detail);
  return m?.[1] === 'maintenance' ? { reason: m[2] ?? '' } : undefined;
}

/**
 * The scans of these lane streams since `since` (clock ms), oldest first, for the replay guard:
 * the code and where and when it was shown. Scans whose code is no longer kept are skipped.
 */
export function recentScansOf(
  db: Database,
  streams: readonly string[],
  since: number,
): (ReplaySighting & { code: string })[] {
  const stmt = db.prepare('SELECT type, at, data FROM records WHERE stream = ? ORDER BY seq DESC');
  const out: (ReplaySighting & { code: string })[] = [];
  for (const stream of streams) {
    // Newest first, stopping at the first record older than the window: reads only the window.
    for (const row of stmt.iterate(stream) as Iterable<{ type: string; at: number; data: string }>) {
      if (row.at < since) break;
      if (row.type !== 'scan') continue;
      const d = JSON.parse(row.data) as { lane?: unknown; transitId?: unknown; code?: unknown };
      if (typeof d.code !== 'string' || typeof d.lane !== 'string' || typeof d.transitId !== 'string')
        continue;
      out.push({ code: d.code, lane: d.lane, transitId: d.transitId, at: row.at });
    }
  }
  return out.sort((x, y) => x.at - y.at);
}
