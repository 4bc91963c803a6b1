import { handoverView } from './handover/handover-views.ts';
import {
  BAY_STATES,
  type BayView,
  type SensorView,
  type StateCounts,
  TRUCK_ZONE_KINDS,
  type TruckZoneKind,
  type YardSummary,
} from './yard-payloads.ts';
import type { BayRecord, YardState } from './yard-state.ts';

/** What the retained topic of a bay shows: its state, its truck and tests, its sensor. */
export function bayView(b: BayRecord, sensor: SensorView): BayView {
  const v = b.visit;
  return {
    bay: b.def.id,
    zone: b.def.zone,
    zoneKind: b.def.zoneKind,
    state: b.state,
    since: b.since,
    ...(v
      ? {
          truck: {
            visitId: v.id,
            ...(v.plate === undefined ? {} : { plate: v.plate }),
            intent: v.intent,
            ...(v.lane === undefined ? {} : { lane: v.lane }),
            reservedAt: v.reservedAt,
            ...(b.state === 'reserved' ? { expiresAt: v.expiresAt } : {}),
            ...(v.arrivedAt === undefined ? {} : { arrivedAt: v.arrivedAt }),
            isolated: v.isolated,
            samples: v.samples.map((s) => ({ ...s })),
          },
        }
      : {}),
    ...(b.block ? { block: { ...b.block } } : {}),
    sensor,
    ...(v?.handover ? { handover: handoverView(v.handover) } : {}),
  };
}

export function emptyCounts(): StateCounts {
  return Object.fromEntries(BAY_STATES.map((s) => [s, 0])) as StateCounts;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? 0;
}

export interface SummaryInputs {
  state: YardState;
  now: number;
  sensors: { offline: number; mismatches: number };
  /** The bay the policy would give the next truck of each kind. */
  next: (kind: TruckZoneKind) => string | undefined;
}

/** The retained yard summary: counts per zone and state, tests waiting and late, dwell times. */
export function yardSummary({ state, now, sensors, next }: SummaryInputs): YardSummary {
  const counts = emptyCounts();
  const zones = state.layout.zones.map((z) => ({
    id: z.id,
    name: z.name,
    kind: z.kind,
    bays: z.bays.length,
    counts: emptyCounts(),
    full: false,
  }));
  const zoneIndex = new Map(zones.map((z, i) => [z.id, i]));
  let awaiting = 0;
  let overdue = 0;
  const dwell: number[] = [];
  for (const b of state.bays.values()) {
    counts[b.state]++;
    const z = zones[zoneIndex.get(b.def.zone) ?? -1];
    if (z) z.counts[b.state]++;
    const v = b.visit;
    if (!v) continue;
    if (v.arrivedAt !== undefined) dwell.push(Math.round((now - v.arrivedAt) / 6000) / 10);
    for (const s of v.samples) {
      if (s.result) continue;
      awaiting++;
      if (s.overdue) overdue++;
    }
  }
  for (const z of zones) z.full = z.bays > 0 && z.counts.free === 0;
  dwell.sort((a, b) => a - b);
  const nextBays: YardSummary['next'] = {};
  for (const kind of TRUCK_ZONE_KINDS) {
    const bay = next(kind);
    if (bay !== undefined) nextBays[kind] = bay;
  }
  return {
    at: now,
    bays: state.bays.size,
    trucks: state.trucks,
    counts,
    zones,
    awaiting,
    overdue,
    sensors,
    dwellMinutes: {
      count: dwell.length,
      p50: percentile(dwell, 50),
      p90: percentile(dwell, 90),
      p99: percentile(dwell, 99),
      max: dwell.at(-1) ?? 0,
    },
    next: nextBays,
  };
}
