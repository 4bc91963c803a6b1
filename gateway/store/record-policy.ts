import { ErrorCode, GatepostError } from '../../core/errors.ts';
import { DEFAULT_TELEMETRY_TYPES, protectedConflict } from '../../site-config/telemetry-types.ts';

/**
 * How soon a record is committed. `now`: a decision, which a barrier waits on: committed at
 * once, in the call that appends it, with every record queued before it (the transit's scan and
 * verification, the bay the yard holds for it) in the same fsync. `soon`: the yard's answers to
 * a lane (a reserved bay, a truck let out) and what a camera waits on for its 200 (a sighting, a
 * temperature; docs/camera-latency.md): at the end of the event loop's current turn, so that a
 * decision or another push appended in the same turn still shares their fsync. Everything else
 * waits for the group-commit window (storage.groupCommitMs).
 */
export type Urgency = 'now' | 'soon' | 'window';
export const URGENCY: ReadonlyMap<string, Urgency> = new Map([
  ['decision', 'now'],
  ['bay-reserved', 'soon'],
  ['truck-exited', 'soon'],
  ['plate-sighting', 'soon'],
  ['camera-temperature', 'soon'],
]);

export class RecordPolicy {
  private readonly exact = new Set<string>();
  private readonly prefixes: string[] = [];
  private readonly cache = new Map<string, boolean>();

  constructor(readonly telemetryTypes: readonly string[] = DEFAULT_TELEMETRY_TYPES) {
    for (const t of telemetryTypes) {
      const conflict = protectedConflict(t);
      if (conflict) throw new GatepostError(ErrorCode.ConfigInvalid, `storage.telemetryTypes: ${conflict}`);
      if (t.endsWith('*')) this.prefixes.push(t.slice(0, -1));
      else this.exact.add(t);
    }
  }

  /** How soon a record of this type is committed (URGENCY). */
  urgency(type: string): Urgency {
    return URGENCY.get(type) ?? 'window';
  }

  /** True for bulky telemetry that may give way at the disk limit. */
  isSheddable(type: string): boolean {
    let v = this.cache.get(type);
    if (v === undefined) {
      v = this.exact.has(type) || this.prefixes.some((p) => type.startsWith(p));
      if (this.cache.size < 1000) this.cache.set(type, v);
    }
    return v;
  }
}
