import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { YardTrafficSchema } from '../../sim/scenario/schema.ts';
import { YARD_MOVE_DRIVE } from '../../sim/traffic/yard-runner.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import { ROOT } from '../support/child.ts';
import { rushHourScenario } from '../support/rush-scenario.ts';

/** The rush hour of sim/scenarios/rush-hour.yaml, held for the whole soak. */
export const RUSH = {
  arrivalsPerHour: 240,
  burst: { every: '10m', size: 8, spacing: ['2s', '4s'] },
  queueMax: 60,
  patience: '60s',
} as const;

/** Decisions the default length is meant to reach (issue 27). */
export const TARGET_DECISIONS = 15_000;

/** Trucks an hour arriving at all the entry lanes together at the rush's rate. */
export function rushTrucksPerHour(entryLanes: number): number {
  const perBurst = RUSH.burst.size * (60 / Number.parseInt(RUSH.burst.every, 10));
  return entryLanes * (RUSH.arrivalsPerHour + perBurst);
}

/**
 * Decisions a real-time minute at the rush, from the rush-hour bench's measured rate
 * (docs/benchmarks.json rush_hour_decisions_per_min, taken on a clock `timeScale` times real
 * time: a lane's cycle is clock time, so real time serves that many times fewer); without a
 * measured figure, one decision per arriving truck.
 */
export function rushDecisionsPerMinute(entryLanes: number): { perMin: number; source: string } {
  const file = join(ROOT, 'docs/benchmarks.json');
  const figures = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const measured = figures.rush_hour_decisions_per_min;
  const scale = rushHourScenario().timeScale;
  if (typeof measured === 'number' && measured > 0)
    return {
      perMin: measured / scale,
      source: `the rush-hour bench's ${measured} decisions/min at clock × ${scale} (docs/benchmarks.json): ${Math.round((measured / scale) * 10) / 10} a real minute`,
    };
  return { perMin: rushTrucksPerHour(entryLanes) / 60, source: 'one decision per arriving truck' };
}

/** The default length: enough hours (to a tenth) for TARGET_DECISIONS at the rush's rate. */
export function defaultHours(decisionsPerMin: number): number {
  return Math.ceil((TARGET_DECISIONS / decisionsPerMin / 60) * 10) / 10;
}

/** A fault of the timeline: first at `at` minutes, again every `every` minutes. */
interface Sprinkled {
  at: number;
  every: number;
  entry: Record<string, unknown>;
}

/**
 * The faults sprinkled through the soak, on the lanes and buses of the site: a scanner pulled
 * out and plugged back, junk and truncated codes, line noise on a thermometer, a thermometer that
 * stops answering, CRC errors, the serial barrier that stops answering (its port gone for 20 s),
 * a bay sensor offline, a bay bus silent. Staggered primes, so they rarely coincide.
 */
function sprinkled(config: SiteConfig): Sprinkled[] {
  const lanes = config.checkpoints.flatMap((c) => c.lanes);
  const id = (i: number) => lanes[i % lanes.length]?.id;
  const serialBarrier = lanes.find((l) => l.devices.barrier.kind === 'serial')?.id;
  const withThermometer = lanes.filter((l) => l.devices.thermometer).map((l) => l.id);
  const bus = config.yard.baySensorBuses[1]?.id ?? config.yard.baySensorBuses[0]?.id;
  const out: Sprinkled[] = [
    { at: 3, every: 13, entry: { fault: 'garbage', lane: id(0) } },
    { at: 5, every: 19, entry: { fault: 'truncated-code', lane: id(3) } },
    { at: 7, every: 47, entry: { fault: 'unplug', lane: id(2), device: 'scanner', for: '30s' } },
    { at: 29, every: 61, entry: { fault: 'sensor-offline', bay: 'P-0003', for: '5m' } },
  ];
  const t0 = withThermometer[1] ?? withThermometer[0];
  const t1 = withThermometer[3] ?? withThermometer[0];
  if (t0)
    out.push({ at: 11, every: 29, entry: { fault: 'noise', lane: t0, device: 'thermometer', bytes: 16 } });
  if (t1) out.push({ at: 17, every: 37, entry: { fault: 'thermometer-timeout', lane: t1, for: '20s' } });
  if (t0) out.push({ at: 19, every: 31, entry: { fault: 'bad-crc', lane: withThermometer[0], count: 3 } });
  if (serialBarrier)
    out.push({
      at: 23,
      every: 53,
      entry: { fault: 'unplug', lane: serialBarrier, device: 'barrier', for: '20s' },
    });
  if (bus) out.push({ at: 41, every: 71, entry: { fault: 'bus-silent', bus, for: '30s' } });
  return out;
}

/** The soak's yard staff and trucks (sim/scenario/schema.ts YardTrafficSchema), shortened: see below. */
export const SOAK_YARD = {
  positiveRate: 0.05,
  driveToBay: ['30s', '90s'],
  sampleAfter: ['1m', '3m'],
  resultAfter: ['5m', '8m'],
  leaveAfter: ['1m', '3m'],
  driveToExit: ['30s', '60s'],
  isolationStay: ['10m', '20m'],
  pcrAfter: ['8m', '12m'],
  pcrPositiveRate: 0.5,
  disinfection: ['3m', '8m'],
};

/**
 * Seconds from a truck's lane transit to the last yard event of its stay at the longest (a
 * positive one: to its bay, swab, result, the move to isolation, the longer of its stay and its
 * PCR, to the exit lane), with every duration at its maximum. Its ledger row is updated until
 * then, and deleted `ledgerMaxAgeDays` after its last update: this much after the retention
 * alone. A truck turned back at the exit lane (retried 5-10 min later, rare) stays longer.
 */
export function longestYardStayS(yard: unknown = SOAK_YARD): number {
  const y = YardTrafficSchema.parse(yard);
  const positive =
    y.driveToBay.max +
    y.sampleAfter.max +
    y.resultAfter.max +
    YARD_MOVE_DRIVE.max +
    Math.max(y.isolationStay.max, y.pcrAfter?.max ?? 0) +
    y.driveToExit.max;
  const negative =
    y.driveToBay.max + y.sampleAfter.max + y.resultAfter.max + y.leaveAfter.max + y.driveToExit.max;
  return Math.max(positive, negative) / 1000;
}

/**
 * The soak's scenario, in real time (time scale 1): the rush at every entry lane from the start
 * for `hours`; kiosk staff who decide REVIEW transits by hand (to the yard) 15-40 s after; yard staff who swab, record antigen results (5 % positive) 5-8 min later, move the
 * positives to isolation, confirm them by PCR (half positive) 8-12 min later, release them after
 * 10-20 min and unblock their bays after disinfection (all shortened, with the site's
 * antigenResultMin of 10 and pcrResultMin of 15, so that bays turn over many times an hour); and
 * the faults above, each repeated through the run.
 */
export function realtimeSoakScenario(config: SiteConfig, hours: number, seed = 27): Record<string, unknown> {
  const totalMin = hours * 60;
  const timeline = sprinkled(config)
    .filter((f) => f.at < totalMin)
    .map((f) => ({
      ...f.entry,
      at: `${f.at}m`,
      repeat: { every: `${f.every}m`, times: Math.max(1, Math.ceil((totalMin - f.at) / f.every)) },
    }));
  return {
    name: 'soak-realtime',
    description: 'The rush hour of rush-hour.yaml at every entry lane for the whole run, in real time',
    seed,
    timeScale: 1,
    traffic: {
      default: { ...RUSH, burst: { ...RUSH.burst, spacing: [...RUSH.burst.spacing] } },
      // Kiosk staff decide a REVIEW transit by hand within the truck's patience (a test in the
      // yard), as staff at a lane do; without them every REVIEW truck held its lane for the whole
      // minute of its patience and the soak made some 6 decisions a minute.
      laneStaff: { reviewAfter: ['15s', '40s'], outcome: 'YARD' },
      // Shortened from the simulator's defaults (a stay of 20-40 min, isolation 2-4 h) so that
      // the bays turn over many times an hour; the site's result deadlines are shortened to match.
      yard: SOAK_YARD,
    },
    timeline,
  };
}
