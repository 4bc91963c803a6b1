import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/child.ts';
import type { Outage } from './outage-schedule.ts';
import type { RealtimeSample } from './realtime-sample.ts';
import type { TargetCheck } from './targets.ts';

/** Where `npm run soak:realtime` writes, each minute: a crash keeps what was measured. */
export const REALTIME_SOAK_FILE = join(ROOT, 'docs/soak-realtime.json');

export interface RealtimeSoakResult {
  /** `running` while the soak writes it minute by minute; `finished` or `failed` at the end. */
  status: 'running' | 'finished' | 'failed';
  startedAt: string;
  finishedAt?: string;
  error?: string;
  /** How the run was set up: length, site, retention, traffic, faults, outages, machine. */
  conditions: Record<string, string>;
  /** The share of the run at its start left out of the slopes and steady figures (`--warm-up`). */
  warmUpShare?: number;
  /** The uplink outages that happened (minutes from the start of the traffic). */
  outages: Outage[];
  /** Least-squares slope of each series per 10,000 transits, after the warm-up. */
  slopesPer10kTransits?: Record<string, number>;
  figures?: Record<string, number>;
  /** The simulator's counts at the end (traffic, yard, faults). */
  traffic?: Record<string, unknown>;
  targets?: TargetCheck[];
  samples: RealtimeSample[];
}

/** Writes the result beside its final place, then renames it over: never half a file. */
export function writeRealtimeResult(result: RealtimeSoakResult, file = REALTIME_SOAK_FILE): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(result, null, 2)}\n`);
  renameSync(tmp, file);
}

export const isoNow = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
