import type { SiteConfig } from '../../site-config/schema.ts';
import { describeMachine } from '../support/machine.ts';
import type { Outage } from './outage-schedule.ts';
import { RUSH } from './realtime-scenario.ts';

export interface ConditionInputs {
  hours: number;
  everyS: number;
  warmUp: number;
  config: SiteConfig;
  configFile: string;
  scenario: Record<string, unknown>;
  trucksPerHour: number;
  defaultLength: string;
  planned: readonly Outage[];
  outageGraceMin: number;
  trustEveryMin: number;
  nodeFlags: string[];
  nice: number;
  /** How the gateway's process was built: a release build's dist/ modules, or bundled at start. */
  build: 'release' | 'bundled';
}

const minutesOf = (days: number) => Math.round(days * 24 * 60 * 10) / 10;

/** The soak's conditions, said in docs/soak-realtime.json: what ran, how long, on what. */
export function realtimeConditions(i: ConditionInputs): Record<string, string> {
  const c = i.config;
  const entry = c.checkpoints.flatMap((cp) => cp.lanes);
  const devices = [...entry, ...c.yard.exitLanes]
    .map((l) => `${l.id} (${Object.keys(l.devices).join(', ')})`)
    .join('; ');
  const bays = c.yard.zones.reduce((n, z) => n + z.bays.reduce((m, b) => m + b.to - b.from + 1, 0), 0);
  const timeline = (i.scenario.timeline ?? []) as Record<string, unknown>[];
  const faults = timeline
    .map((f) => {
      const where = f.lane ?? f.bus ?? f.bay;
      const what = f.device ? `${f.fault} ${f.device}` : String(f.fault);
      const every = (f.repeat as { every?: string } | undefined)?.every;
      return `${what} at ${String(where)} from ${String(f.at)} every ${every}${f.for ? ` for ${String(f.for)}` : ''}`;
    })
    .join('; ');
  const yard = (i.scenario.traffic as { yard?: Record<string, unknown> }).yard ?? {};
  const m = describeMachine();
  return {
    length: `${i.hours} h of traffic in real time (clock × 1), a sample every ${i.everyS} s; the first ${i.warmUp * 100} % of the run is a warm-up left out of the slopes and steady figures; the default length is ${i.defaultLength}`,
    site: `${i.configFile}: the demo site, ${entry.length} entry lanes and ${c.yard.exitLanes.length} yard exit lane with all their devices: ${devices}; ${bays} bays on ${c.yard.baySensorBuses.length} sensor buses`,
    retention: `SHORTENED so that reclaim and pseudonymisation run many times: delivered records reclaimed after ${minutesOf(c.storage.maxAgeDays)} min (storage.maxAgeDays ${c.storage.maxAgeDays}; a box: 90 days), names and ID numbers pseudonymised after ${minutesOf(c.storage.personalDataRetentionDays)} min (30 days), ledger rows after ${minutesOf(c.storage.ledgerMaxAgeDays)} min (365 days), maintenance every ${c.storage.maintenanceIntervalMs / 60_000} min (hourly); results due after ${c.yard.antigenResultMin} min (antigen; 15) and ${c.yard.pcrResultMin} min (PCR; 6 h)`,
    traffic: `the rush of sim/scenarios/rush-hour.yaml at every entry lane all along: ${RUSH.arrivalsPerHour} trucks/h each plus bursts of ${RUSH.burst.size} every ${RUSH.burst.every}, queues of ${RUSH.queueMax} at most, patience ${RUSH.patience}: ${i.trucksPerHour} trucks/h arriving in all`,
    yard: `the simulator acts as yard staff, its timings SHORTENED so that bays turn over many times an hour: ${JSON.stringify(yard)} (durations as written; the simulator's defaults keep a truck 20-40 min, an isolated one 2-4 h); antigen swab and result, negatives leave by the yard exit lane; positives moved to isolation, PCR swab there and its result, released, their bay unblocked after disinfection`,
    faults: `sprinkled through the run by the simulator: ${faults}`,
    outages: `the central Mosquitto stopped (SIGTERM, its persistence kept) and started again: ${i.planned.map((o) => `${o.fromMin}-${o.toMin} min`).join(', ') || 'none (run too short)'}; samples during an outage and ${i.outageGraceMin} min after it are marked and not judged for event-loop lag`,
    trustList: `the simulator rewrites the trust list (atomic rename) every ${Math.round(i.trustEveryMin * 10) / 10} min; the gateway reloads it on change`,
    gateway: `its own process as on a box: ${i.build === 'release' ? 'from a release build (dist/ modules, the pages prebuilt, no esbuild or tsx in the process), as an installed release runs' : 'built into one module at start (bin/run-bundled.js), as `npm start` runs a checkout'}, node ${i.nodeFlags.join(' ')}, nice ${i.nice}; heap after a full GC of its main thread, asked over IPC (bench/soak/gateway-soak-process.ts; no gateway change); the broker's thread is in RSS, not in the heap figures`,
    central:
      'a persistent QoS 1 subscriber at the central Mosquitto counts the distinct decision records the uplink delivered',
    machine: `${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}, node ${m.node}; load average ${m.loadAtStart} at the start`,
  };
}
