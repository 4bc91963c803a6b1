/**
 * The figures the report and the README lead with: the ones the issues name, each with its
 * unit, what it is measured beside (a peer or a limit, as a ratio figure of the same run) and
 * its target where there is one.
 */
export interface Headline {
  name: string;
  label: string;
  unit: string;
  /** The ratio figure that sets it beside its peer or limit, and what that peer is. */
  ratio?: { name: string; of: string };
  target?: { max?: number; min?: number };
}

export const HEADLINE: readonly Headline[] = [
  {
    name: 'ingest_records_per_s',
    label: 'Durable record ingest (group commit, fsync per batch)',
    unit: 'records/s',
    ratio: { name: 'ingest_vs_sqlite_raw_ratio', of: 'raw better-sqlite3 inserts' },
  },
  {
    name: 'sqlite_raw_rows_per_s',
    label: 'Raw better-sqlite3 inserts, same disk and pragmas',
    unit: 'rows/s',
  },
  { name: 'drain_records_per_s', label: 'Backlog drain to a central Mosquitto (QoS 1)', unit: 'records/s' },
  {
    name: 'scan_to_barrier_p50_ms',
    label: 'Scan to barrier command, p50 (rush hour + 50 subscribers + a flood)',
    unit: 'ms',
  },
  {
    name: 'scan_to_barrier_p99_ms',
    label: 'Scan to barrier command, p99 (same)',
    unit: 'ms',
    ratio: { name: 'scan_to_barrier_p99_vs_wire_ratio', of: 'the 300-byte code on the wire at 9600 baud' },
    target: { max: 10 },
  },
  {
    name: 'scan_to_barrier_p99_ms_no_extra_load',
    label: 'Scan to barrier command, p99, rush hour without the extra MQTT load',
    unit: 'ms',
  },
  {
    name: 'broker_msgs_per_s',
    label: 'Embedded broker (Aedes), QoS 0, 200 B',
    unit: 'msgs/s',
    ratio: { name: 'broker_vs_mosquitto_ratio', of: 'Mosquitto on the same load' },
  },
  { name: 'mosquitto_msgs_per_s', label: 'Mosquitto, same load', unit: 'msgs/s' },
  {
    name: 'bay_sweep_s',
    label: 'Sweep of the 1,200 bay sensors (6 buses in parallel)',
    unit: 's',
    ratio: { name: 'bay_sweep_vs_wire_ratio', of: 'the wire-time limit' },
  },
  { name: 'bay_sweep_wire_s', label: 'Wire-time limit of that sweep', unit: 's' },
  { name: 'cold_start_s', label: 'Cold start to ready, full demo site', unit: 's', target: { max: 2 } },
  {
    name: 'cold_start_s_release',
    label: 'Cold start to ready, from the release build (dist/)',
    unit: 's',
    target: { max: 1 }, // issue 21: a box starts its release in a second
  },
  {
    name: 'rss_mb_rush_hour',
    label: 'Gateway RSS under rush-hour load (max)',
    unit: 'MB',
    target: { max: 150 },
  },
  {
    name: 'rss_mb_rush_hour_release',
    label: 'Gateway RSS under rush-hour load (max), from the release build',
    unit: 'MB',
    target: { max: 100 }, // issue 21
  },
  { name: 'yard_map_1200_updates_ms', label: 'Yard map: 1,200 bay updates rendered', unit: 'ms' },
  {
    name: 'soak_rss_growth_pct',
    label: 'RSS growth over the soak (last `npm run soak`)',
    unit: '%',
    target: { max: 5 },
  },
  { name: 'verify_gp1_per_s', label: 'GP1 pass verifications', unit: '/s' },
  { name: 'verify_hc1_per_s', label: 'HC1 (EU DCC) verifications', unit: '/s' },
];

/** `12,345` for large figures, up to 3 decimals for small ones. */
export function formatFigure(v: number): string {
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en');
  return String(Math.round(v * 1000) / 1000);
}

export function targetText(t: Headline['target']): string {
  if (!t) return '';
  if (t.max !== undefined) return `< ${formatFigure(t.max)}`;
  if (t.min !== undefined) return `> ${formatFigure(t.min)}`;
  return '';
}

/** 'met', 'missed', or '' when there is no target or no figure. */
export function targetVerdict(t: Headline['target'], v: number | undefined): string {
  if (!t || v === undefined) return '';
  const ok = (t.max === undefined || v < t.max) && (t.min === undefined || v > t.min);
  return ok ? 'met' : 'missed';
}
