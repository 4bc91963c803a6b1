import { join } from 'node:path';
import { ROOT } from './support/child.ts';

/** Where `npm run soak` leaves its last result, for the benchmark report. */
export const SOAK_FILE = join(ROOT, 'docs/soak.json');

/** One sample of the soak, taken every few real seconds. */
export interface SoakSample {
  /** Simulated days since the start. */
  day: number;
  /** Real seconds since the start. */
  t: number;
  rssMb: number;
  heapMb: number;
  loopLagP99Ms: number;
  decisions: number;
  deviceErrors: number;
  alarms: number;
  records: number;
}

export interface SoakResult {
  finishedAt: string;
  conditions: string;
  figures: Record<string, number>;
  samples: SoakSample[];
}
