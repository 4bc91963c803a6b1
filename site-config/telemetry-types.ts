/**
 * Which records give way at the disk limit. Bulky telemetry (sensor readings, device health,
 * raw sensor traffic) is *sheddable*: it is the first thing deleted under disk pressure and
 * refused once the store is full. Everything else is *essential* and is never deleted before
 * the central broker has it.
 *
 * Types are matched by name; a pattern ending in `*` matches every type with that prefix. The
 * types of transits, decisions, tests, yard moves, barrier movements, scans and audit entries
 * are protected: no pattern may make them sheddable (`protectedConflict`).
 */
export const DEFAULT_TELEMETRY_TYPES: readonly string[] = ['telemetry*', 'reading*', 'device-health'];

/**
 * Type prefixes that are never sheddable, whatever the config says: the lane records
 * (gateway/lanes/lane-records.ts), the yard records (gateway/yard/yard-payloads.ts), alarms and audit.
 */
export const PROTECTED_TYPE_PREFIXES: readonly string[] = [
  'transit',
  'decision',
  'departure',
  'verification',
  'measurement',
  'scan',
  'barrier',
  'alarm',
  'alert',
  'staff-',
  'manual',
  'override',
  'audit',
  'test',
  'yard-',
  'bay-',
  'truck-',
  'sample-',
  'result-',
  'reservation-',
  'request-',
  'snapshot',
  'storage-',
];

/** Why a telemetry pattern is refused (it could match a protected type), or undefined. */
export function protectedConflict(pattern: string): string | undefined {
  const wildcard = pattern.endsWith('*');
  const stem = wildcard ? pattern.slice(0, -1) : pattern;
  for (const p of PROTECTED_TYPE_PREFIXES) {
    if (stem.startsWith(p) || (wildcard && p.startsWith(stem))) {
      return `"${pattern}" could match protected "${p}…" records (transits, decisions, tests, audit are never shed)`;
    }
  }
  return undefined;
}
