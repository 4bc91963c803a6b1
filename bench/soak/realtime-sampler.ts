import { readdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { BenchChild } from '../support/child.ts';
import { rssMb, rssSplitMb } from '../support/proc.ts';
import { scrape, sumOf } from '../support/prom.ts';
import type { LaneTransits, OpenTransitWatch } from './open-transits.ts';
import type { RealtimeSample } from './realtime-sample.ts';
import { readStoreTables } from './store-tables.ts';

export interface SamplerDeps {
  gateway: BenchChild;
  sim: BenchChild;
  opsUrl: string;
  storePath: string;
  /** Distinct decision records the central subscriber has seen. */
  centralDecisions: () => number;
  /** Whether this moment counts as an outage (broker down, or just back). */
  outage: () => boolean;
  /** performance.now() when the traffic started. */
  t0: number;
  /** Follows each lane's open transit from sample to sample. */
  openTransits: OpenTransitWatch;
}

const MB = 1024 * 1024;
/** Each lane's transit-start and transit-end records, from /metrics' gatepost_records_total. */
function laneTransits(m: Map<string, number>): Map<string, LaneTransits> {
  const lanes = new Map<string, LaneTransits>();
  for (const [key, value] of m) {
    const hit = /^gatepost_records_total\{stream="lane\/([^"]+)",type="transit-(start|end)"\}$/.exec(key);
    if (!hit?.[1]) continue;
    const c = lanes.get(hit[1]) ?? { started: 0, ended: 0 };
    if (hit[2] === 'start') c.started += value;
    else c.ended += value;
    lanes.set(hit[1], c);
  }
  return lanes;
}

const mb = (bytes: number) => Math.round((bytes / MB) * 100) / 100;
const ms = (seconds: number) => Math.round(seconds * 1000 * 100) / 100;

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

/**
 * One sample of the soak, from outside the gateway: /proc/<pid> (RSS, fds), the gateway
 * process's `probe` (heap after a full GC, external and array buffers, active handles and
 * timers), its /metrics (event-loop lag, backlog, decisions, transits, records), the store's
 * files, the central subscriber's count and the simulator's yard counts.
 */
export async function takeSample(d: SamplerDeps): Promise<RealtimeSample> {
  const t = Math.round((performance.now() - d.t0) / 100) / 10;
  // /metrics first: its event-loop lag window must not hold the full GC the probe runs.
  const m = (await scrape(d.opsUrl)) ?? new Map<string, number>();
  d.gateway.send({ type: 'probe' });
  const probe = await d.gateway.next('probe', 60_000);
  d.sim.send({ type: 'report' });
  const report = await d.sim.next('report', 60_000);
  const memory = probe.memory as NodeJS.MemoryUsage;
  const resources = probe.resources as Record<string, number>;
  const spaces = (probe.spaces ?? {}) as Record<string, number>;
  const code = probe.code as { code: number; bytecode: number; scriptSource: number } | undefined;
  const traffic = report.traffic as Record<string, number>;
  const started = sumOf(m, 'gatepost_records_total', { type: 'transit-start' });
  const ended = sumOf(m, 'gatepost_records_total', { type: 'transit-end' });
  const split = rssSplitMb(d.gateway.pid);
  const store = readStoreTables(d.storePath);
  return {
    t,
    rssMb: Math.round((rssMb(d.gateway.pid) ?? Number.NaN) * 100) / 100,
    rssAnonMb: Math.round((split?.anon ?? Number.NaN) * 100) / 100,
    rssFileMb: Math.round((split?.file ?? Number.NaN) * 100) / 100,
    loadAvg1: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    heapUsedMb: mb(memory.heapUsed),
    heapTotalMb: mb(memory.heapTotal),
    heapSpacesMb: Object.fromEntries(Object.entries(spaces).map(([k, v]) => [k, mb(v)])),
    ...(code
      ? {
          heapCodeMb: {
            code: mb(code.code),
            bytecode: mb(code.bytecode),
            scriptSource: mb(code.scriptSource),
          },
        }
      : {}),
    externalMb: mb(memory.external),
    arrayBuffersMb: mb(memory.arrayBuffers),
    fds: openFds(d.gateway.pid),
    handles: Object.values(resources).reduce((a, b) => a + b, 0),
    timers: resources.Timeout ?? 0,
    loopLagP99Ms: ms(m.get('gatepost_event_loop_lag_seconds{stat="p99"}') ?? Number.NaN),
    loopLagMaxMs: ms(m.get('gatepost_event_loop_lag_seconds{stat="max"}') ?? Number.NaN),
    storeMb: mb(fileBytes(d.storePath)),
    walMb: mb(fileBytes(`${d.storePath}-wal`)),
    ...(store ? { store } : {}),
    pending: sumOf(m, 'gatepost_uplink_backlog_records'),
    uplinkConnected: sumOf(m, 'gatepost_uplink_connected') > 0,
    outage: d.outage(),
    decisions: sumOf(m, 'gatepost_decisions_total'),
    transitsStarted: started,
    transitsEnded: ended,
    transitsOpen: started - ended,
    oldestOpenTransitS: d.openTransits.update(t, laneTransits(m)),
    transits: ended,
    records: sumOf(m, 'gatepost_records_total'),
    deviceErrors: sumOf(m, 'gatepost_device_errors_total'),
    alarms: sumOf(m, 'gatepost_alarms_total'),
    centralDecisions: d.centralDecisions(),
    parked: traffic.parked ?? 0,
    inYard: traffic.inYard ?? 0,
    leftYard: traffic.leftYard ?? 0,
  };
}
