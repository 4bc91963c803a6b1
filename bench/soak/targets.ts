import type { RealtimeSample } from './realtime-sample.ts';
import { afterWarmUp, slopePer10kTransits } from './slope.ts';

/** The targets of issue 27, each checked against the samples of a run. */
export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  /** undefined: the run gives no verdict (too short, nothing measured). */
  ok: boolean | undefined;
}

export interface TargetInputs {
  samples: readonly RealtimeSample[];
  /** Share of the run (by time) left out of the slopes and the steady figures. */
  warmUpShare: number;
  /** Seconds after which the store should have stopped growing: retention plus one maintenance run. */
  retentionHorizonS: number;
  /** After the traffic stopped and the backlog drained: the last sample. */
  final: RealtimeSample | undefined;
}

export const TARGETS = {
  heapSlopeMbPer10k: 0.5,
  rssSteadyMb: 100,
  /** "Flat": at most this many more per 10,000 transits. */
  fdSlopePer10k: 1,
  handleSlopePer10k: 2,
  /** The store after the retention horizon: MB per 10,000 transits at most. */
  storeSlopeMbPer10k: 1,
  loopLagP99Ms: 5,
  /** A transit open this long (a truck backs off after the rush's 60 s patience): stuck. */
  stuckTransitS: 600,
  /** Slopes over fewer transits than this (after the warm-up) give no verdict. */
  minTransitsForSlope: 1000,
} as const;

/**
 * Seconds after which the store holds as much as it ever will: the longest age anything is kept
 * for (delivered records `maxAgeDays`; ledger rows, hand-overs and cards `ledgerMaxAgeDays`),
 * plus one maintenance run to delete what passed it. A ledger row's age counts from its last
 * update, which comes as late as its truck's last yard event: `longestStayS` (the scenario's
 * longest stay) more. Pseudonymisation changes rows, it does not remove them, so
 * `personalDataRetentionDays` does not count. (Until 2026-12-06 the soak took `maxAgeDays`
 * alone: it judged the store from 35 min on, while the ledger still filled for another half
 * hour; until 2026-12-07 it left out the stay: from 65 min on, while the ledger rows of the
 * trucks still in the yard then were deleted only some 35 min later, and the store levelled at
 * about 110 min in both 2-hour runs.)
 */
export function retentionHorizonS(
  storage: { maxAgeDays: number; ledgerMaxAgeDays: number; maintenanceIntervalMs: number },
  longestStayS: number,
): number {
  return (
    Math.max(storage.maxAgeDays * 86_400, storage.ledgerMaxAgeDays * 86_400 + longestStayS) +
    storage.maintenanceIntervalMs / 1000
  );
}

const r2 = (n: number) => Math.round(n * 100) / 100;
const fmt = (n: number | undefined, unit: string) => (n === undefined ? 'n/a' : `${r2(n)} ${unit}`);

/** Transits from the first sample to the last. */
function transitSpan(samples: readonly RealtimeSample[]): number {
  return (samples.at(-1)?.transits ?? 0) - (samples[0]?.transits ?? 0);
}

function slopeCheck(
  name: string,
  samples: readonly RealtimeSample[],
  y: (s: RealtimeSample) => number,
  limit: number,
  unit: string,
): TargetCheck {
  const slope = slopePer10kTransits(samples, y);
  const span = transitSpan(samples);
  const enough = span >= TARGETS.minTransitsForSlope;
  return {
    name,
    target: `≤ ${limit} ${unit} per 10,000 transits`,
    measured: enough
      ? fmt(slope, `${unit} per 10,000 transits`)
      : `${fmt(slope, `${unit} per 10,000 transits`)}, over ${span} transits only: too few to judge`,
    ok: slope === undefined || !enough ? undefined : slope <= limit,
  };
}

/** Every target of the issue, from the samples after the warm-up. */
export function checkTargets(i: TargetInputs): TargetCheck[] {
  const steady = afterWarmUp(i.samples, i.warmUpShare);
  const checks: TargetCheck[] = [
    slopeCheck('heap slope', steady, (s) => s.heapUsedMb, TARGETS.heapSlopeMbPer10k, 'MB'),
  ];
  const rssMax = steady.length ? Math.max(...steady.map((s) => s.rssMb)) : undefined;
  checks.push({
    name: 'RSS steady',
    target: `≤ ${TARGETS.rssSteadyMb} MB after the warm-up`,
    measured: fmt(rssMax, 'MB at most'),
    ok: rssMax === undefined ? undefined : rssMax <= TARGETS.rssSteadyMb,
  });
  checks.push(slopeCheck('open fds flat', steady, (s) => s.fds, TARGETS.fdSlopePer10k, 'fds'));
  checks.push(slopeCheck('handles flat', steady, (s) => s.handles, TARGETS.handleSlopePer10k, 'handles'));
  const pastHorizon = i.samples.filter((s) => s.t >= i.retentionHorizonS);
  const store = slopePer10kTransits(pastHorizon, (s) => s.storeMb + s.walMb);
  const storeSpan = transitSpan(pastHorizon);
  checks.push({
    name: 'store bounded',
    target: `store + WAL ≤ ${TARGETS.storeSlopeMbPer10k} MB per 10,000 transits once past retention + a maintenance run (${Math.round(i.retentionHorizonS / 60)} min)`,
    measured:
      pastHorizon.length < 3
        ? 'run shorter than the retention horizon'
        : `${fmt(store, 'MB per 10,000 transits')}, over the ${storeSpan} transits after it`,
    ok: pastHorizon.length < 3 || store === undefined ? undefined : store <= TARGETS.storeSlopeMbPer10k,
  });
  // Measured while the traffic runs: at the end the simulator stops with trucks on the loops.
  const oldest = i.samples.length ? Math.max(...i.samples.map((s) => s.oldestOpenTransitS)) : undefined;
  const f = i.final;
  const lost = f ? f.decisions - f.centralDecisions : undefined;
  checks.push({
    name: 'no transit stuck',
    target: `every transit ends: no lane holds one open for over ${TARGETS.stuckTransitS / 60} min while its traffic runs`,
    measured: oldest === undefined ? 'n/a' : `${Math.round(oldest)} s at most`,
    ok: oldest === undefined ? undefined : oldest <= TARGETS.stuckTransitS,
  });
  checks.push({
    name: 'no decision lost',
    target: 'every decision committed reaches the central broker; nothing pending at the end',
    measured: f
      ? `${f.decisions} committed, ${f.centralDecisions} received centrally, ${f.pending} records pending`
      : 'n/a',
    ok: f === undefined || lost === undefined ? undefined : lost <= 0 && f.pending === 0,
  });
  const quiet = steady.filter((s) => !s.outage);
  const lagMax = quiet.length ? Math.max(...quiet.map((s) => s.loopLagP99Ms)) : undefined;
  checks.push({
    name: 'event-loop lag',
    target: `p99 ≤ ${TARGETS.loopLagP99Ms} ms in every sample outside outages`,
    measured: fmt(lagMax, 'ms at most'),
    ok: lagMax === undefined ? undefined : lagMax <= TARGETS.loopLagP99Ms,
  });
  return checks;
}
