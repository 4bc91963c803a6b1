import type { Logger } from '../../core/logger.ts';
import type { SerialDetector } from './detectors.ts';
import type { StatusLine } from './serial-ledger.ts';

/**
 * A serial barrier's detectors as its ST lines report them, presence inputs first (a vehicle
 * under a closing arm must re-open it before anything else). A detector whose field a line
 * lacks keeps its last level (low at start), and the missing field is logged once.
 */
export class SerialDetectorLevels {
  private readonly detectors: readonly SerialDetector[];
  /** Each detector's level from the last ST line that had its field. */
  private readonly levels = new Map<string, boolean>();
  /** ST fields configured but not in the barrier's lines (warned once each). */
  private readonly missingFields = new Set<string>();

  constructor(
    detectors: readonly SerialDetector[],
    private readonly log: Logger,
  ) {
    this.detectors = [...detectors].sort((a, b) => rank(a) - rank(b));
  }

  /** Every detector's level in this ST line, presence inputs first. */
  read(st: StatusLine): { role: SerialDetector['role']; name: string; high: boolean }[] {
    return this.detectors.map((d) => ({ role: d.role, name: d.name, high: this.level(st, d) }));
  }

  private level(st: StatusLine, d: SerialDetector): boolean {
    const now = st.inputs[d.field];
    if (now === undefined) {
      if (!this.missingFields.has(d.field)) {
        this.missingFields.add(d.field);
        this.log.warn(
          { detector: d.name, field: d.field },
          "the barrier's ST lines have no field for this detector: check the barrier and the config",
        );
      }
      return this.levels.get(d.name) ?? false;
    }
    this.levels.set(d.name, now);
    return now;
  }
}

/** Presence inputs before the arming and the reset loop. */
function rank(d: SerialDetector): number {
  return d.role === 'presence' ? 0 : 1;
}
