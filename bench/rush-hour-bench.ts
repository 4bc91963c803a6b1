import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type LineFormat, wireTimeMs } from '../sim/pacing.ts';
import { loadConfigFile } from '../site-config/load.ts';
import type { SiteConfig } from '../site-config/schema.ts';
import { prepareBenchSite } from './support/bench-site.ts';
import { type BenchChild, spawnBenchChild } from './support/child.ts';
import type { LatencySample } from './support/latency-probe.ts';
import { rssMb } from './support/proc.ts';
import { histogramQuantile, type Samples, scrape, sumOf } from './support/prom.ts';
import { rushHourScenario } from './support/rush-scenario.ts';
import { max, median, percentile } from './support/stats.ts';
import { unitEnvironment, unitEnvironmentText, unitNice, unitNodeFlags } from './support/unit-flags.ts';

/**
 * The full demo site under rush-hour traffic, each part in its own process as on a box: the
 * gateway (embedded broker, store, lanes, yard, ops), the simulated devices and their traffic
 * over PTYs and the remote GPIO protocol, and in phase B the extra MQTT load of issue 9.
 *
 *   warm-up → phase A: rush hour (memory at steady state, latency without extra load)
 *           → phase B: rush hour + 50 clients subscribed to `#` + one publishing as fast as it can
 *
 * Measured from outside the gateway: its RSS from /proc every second, its /metrics every 5 s
 * (event-loop lag, decisions, bay sweeps), and the scan-to-barrier latency on the simulator's
 * side of the wires (support/latency-probe.ts), beside the 300-byte code's wire time.
 */
export interface RushHourSeries {
  /** [seconds since the start of phase A, RSS MB]; negative during the warm-up. */
  rss: [number, number][];
  /** Seconds (from the start of phase A) at which phase B began. */
  phaseBAt: number;
  latencyA: number[];
  latencyB: number[];
}

export interface RushHourResult {
  figures: Record<string, number>;
  conditions: Record<string, string>;
  series: RushHourSeries;
  /** The bench site's directory (its store is reused for the cold start on an existing store). */
  dir: string;
}

/** The 300-byte pass code at 9600 baud 8N1: 300 × 10 bits. */
export const SCAN_WIRE_MS = (300 * 10 * 1000) / 9600;

/** The gateway's own histogram of it (gateway/ops/lane-latency-metrics.ts). */
const LATENCY_METRIC = 'gatepost_lane_input_to_command_seconds';

/** Lanes whose barrier is the serial one, from the bench site's config, with its line settings. */
function serialBarrierLanes(config: SiteConfig): Map<string, LineFormat> {
  const lanes = [...config.checkpoints.flatMap((c) => c.lanes), ...config.yard.exitLanes];
  const serial = new Map<string, LineFormat>();
  for (const l of lanes) if (l.devices.barrier.kind === 'serial') serial.set(l.id, l.devices.barrier.port);
  return serial;
}

/** The serial barrier's `OPEN` + CR on the slowest of those lines. */
function openLineWireMs(lanes: Map<string, LineFormat>): number {
  return Math.max(0, ...[...lanes.values()].map((f) => wireTimeMs(f, 'OPEN\r'.length)));
}

const seconds = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/**
 * `release`: the gateway's process from a release build (bench/release-start-bench.ts);
 * `phaseBS`: phase B's length instead of BENCH_RUSH_B_S (0 for the memory of phase A only).
 */
export async function rushHourBench(
  opts: { release?: { dir: string; entries: Record<string, string> }; phaseBS?: number } = {},
): Promise<RushHourResult> {
  const warmupS = seconds('BENCH_RUSH_WARMUP_S', 15);
  const phaseAS = seconds('BENCH_RUSH_A_S', 60);
  const phaseBS = opts.phaseBS ?? seconds('BENCH_RUSH_B_S', 240);
  const rush = rushHourScenario();
  const site = await prepareBenchSite(undefined, rush.timeScale);
  const scenarioFile = join(site.dir, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify(rush.raw));
  const epoch = String(Date.now());
  const scale = String(rush.timeScale);
  const children: BenchChild[] = [];
  const spawn = (
    file: string,
    args: string[],
    nodeArgs: string[] = [],
    bundled = false,
    nice = 0,
    env = {},
  ) => {
    const c = spawnBenchChild(file, args, { nodeArgs, bundled, nice, env, release: opts.release });
    children.push(c);
    return c;
  };
  const rss: [number, number][] = [];
  const scrapes: { t: number; phase: string; m: Samples }[] = [];
  let phaseStart = 0;
  let phase = 'warm-up';
  let sampler: NodeJS.Timeout | undefined;
  try {
    const sim = spawn('bench/children/site-process.ts', [
      site.configFile,
      scenarioFile,
      site.brokerUrl,
      epoch,
      scale,
    ]);
    const simReady = await sim.next('ready', 60_000);
    const gw = spawn(
      'bench/children/gateway-process.ts',
      [site.configFile, epoch, scale],
      unitNodeFlags(),
      true,
      unitNice(),
      unitEnvironment(),
    );
    const gwReady = await gw.next('ready', 60_000);
    sim.send({ type: 'traffic' });
    await sim.next('traffic-started', 30_000);

    const t0 = performance.now() + warmupS * 1000;
    let ticks = 0;
    sampler = setInterval(() => {
      const t = (performance.now() - t0) / 1000;
      const mb = rssMb(gw.pid);
      if (mb !== undefined) rss.push([Math.round(t * 10) / 10, Math.round(mb * 10) / 10]);
      if (ticks++ % 5 === 0) void scrape(site.opsUrl).then((m) => m && scrapes.push({ t, phase, m }));
    }, 1000);
    const enter = (name: string) => {
      phase = name;
      phaseStart = performance.now();
      sim.send({ type: 'phase', name });
    };
    await sleep(warmupS * 1000);
    enter('A');
    await sleep(phaseAS * 1000);

    const subs = spawn('bench/children/mqtt-load.ts', ['subs', site.brokerUrl, '50']);
    const pub = spawn('bench/children/mqtt-load.ts', ['pub', site.brokerUrl, '200']);
    await subs.next('ready', 60_000);
    await pub.next('ready', 60_000);
    enter('B');
    const phaseBAt = (phaseStart - t0) / 1000;
    pub.send({ type: 'go' });
    await sleep(phaseBS * 1000);
    pub.send({ type: 'stop' });
    subs.send({ type: 'stop' });
    const flood = await pub.next('done', 30_000);
    const fanout = await subs.next('done', 30_000);
    sim.send({ type: 'report' });
    const report = await sim.next('report', 30_000);
    clearInterval(sampler);
    sampler = undefined;
    const final = await scrape(site.opsUrl);

    const samples = report.samples as LatencySample[];
    const latencyA = samples.filter((s) => s.phase === 'A').map((s) => s.ms);
    const latencyB = samples.filter((s) => s.phase === 'B').map((s) => s.ms);
    // The serial barrier's OPEN line takes its own wire time: its lanes are reported apart too.
    const siteConfig = loadConfigFile(site.configFile);
    const serialLanes = serialBarrierLanes(siteConfig);
    const openLineMs = openLineWireMs(serialLanes);
    const serialBauds = [...new Set([...serialLanes.values()].map((f) => f.baudRate))].join('/');
    // The yard's exit lanes ask the yard and commit the truck's exit before their decision.
    const exitLanes = new Set(siteConfig.yard.exitLanes.map((l) => l.id));
    const ofExits = samples.filter((s) => s.phase === 'B' && exitLanes.has(s.lane)).map((s) => s.ms);
    const ofLanes = (serial: boolean) =>
      samples.filter((s) => s.phase === 'B' && serialLanes.has(s.lane) === serial).map((s) => s.ms);
    // Phase A's own seconds: not those after it while the 50 subscribers of phase B connect
    // (their sessions alone raised the broker thread's heap from 14 to 58 MB), which are no rush hour.
    const rssA = rss.filter(([t]) => t >= 0 && t < phaseAS).map(([, mb]) => mb);
    const rssB = rss.filter(([t]) => t >= phaseBAt).map(([, mb]) => mb);
    const lag = (p: string) =>
      max(
        scrapes
          .filter((s) => s.phase === p)
          .map((s) => (s.m.get('gatepost_event_loop_lag_seconds{stat="p99"}') ?? 0) * 1000),
      );
    const decisions = final ? sumOf(final, 'gatepost_decisions_total') : Number.NaN;
    const sweepsOf = (m: Samples | undefined) =>
      m ? [...m].filter(([k]) => k.startsWith('gatepost_bay_sweep_seconds{')).map(([, v]) => v) : [];
    const lastA = scrapes.filter((s) => s.phase === 'A').at(-1)?.m;
    const r1 = (n: number) => Math.round(n * 10) / 10;
    const r2 = (n: number) => Math.round(n * 100) / 100;
    const loopDelay = report.loopDelayMs as { p99: number; max: number };
    const p99B = percentile(latencyB, 99);
    /** Quantile `q` of the gateway's own histogram over phase B (since the last scrape of A), in ms. */
    const insideMs = (q: number) =>
      r1((histogramQuantile(final ?? new Map(), lastA, LATENCY_METRIC, q) ?? Number.NaN) * 1000);
    const figures: Record<string, number> = {
      scan_to_barrier_p50_ms: r1(percentile(latencyB, 50)),
      scan_to_barrier_p99_ms: r1(p99B),
      scan_to_barrier_max_ms: r1(max(latencyB)),
      scan_to_barrier_samples: latencyB.length,
      scan_wire_ms: r1(SCAN_WIRE_MS),
      scan_to_barrier_p99_vs_wire_ratio: Math.round((p99B / SCAN_WIRE_MS) * 1000) / 1000,
      scan_to_barrier_p99_ms_gpio_lanes: r1(percentile(ofLanes(false), 99)),
      scan_to_barrier_p99_ms_serial_lanes: r1(percentile(ofLanes(true), 99)),
      scan_to_barrier_p50_ms_serial_lanes: r1(percentile(ofLanes(true), 50)),
      scan_to_barrier_max_ms_yard_exit: r1(max(ofExits)),
      scan_to_barrier_samples_yard_exit: ofExits.length,
      barrier_open_line_wire_ms: r1(openLineMs),
      scan_to_barrier_p50_ms_no_extra_load: r1(percentile(latencyA, 50)),
      scan_to_barrier_p99_ms_no_extra_load: r1(percentile(latencyA, 99)),
      scan_to_barrier_samples_no_extra_load: latencyA.length,
      rss_mb_rush_hour: r1(max(rssA)),
      rss_mb_rush_hour_median: r1(median(rssA)),
      rss_mb_rush_hour_extra_load: r1(max(rssB)),
      event_loop_lag_p99_ms_rush_hour: r1(lag('A')),
      event_loop_lag_p99_ms_extra_load: r1(lag('B')),
      rush_hour_decisions: decisions,
      rush_hour_decisions_per_min: r1(decisions / ((warmupS + phaseAS + phaseBS) / 60)),
      // The same latency as the gateway itself sees it (its histogram, phase B): from the input
      // reaching the lane to the command issued; no wires, no PTY relays, no simulator.
      lane_input_to_command_p99_ms_le: insideMs(0.99),
      lane_input_to_command_p50_ms_le: insideMs(0.5),
      // How late the simulated devices' own event loop ran in phase B: the probe sees an open
      // that much late.
      sim_loop_delay_p99_ms_extra_load: r2(loopDelay.p99),
      sim_loop_delay_max_ms_extra_load: r2(loopDelay.max),
      bay_sweep_s_rush_hour: Math.round(max(sweepsOf(lastA)) * 1000) / 1000,
      bay_sweep_s_extra_load: Math.round(max(sweepsOf(final)) * 1000) / 1000,
      flood_msgs_per_s: Math.round(Number(flood.perSecond)),
      fanout_msgs_per_s: Math.round(Number(fanout.perSecond)),
      fanout_clients_connected_at_end: Number(fanout.connected),
    };
    for (const [k, v] of Object.entries(figures)) if (!Number.isFinite(v)) delete figures[k];
    const traffic = report.traffic as Record<string, unknown>;
    return {
      figures,
      conditions: {
        scenario: `${rush.source}; time scale ${rush.timeScale} (device and traffic time; wire timing real)`,
        phases: `warm-up ${warmupS} s, A ${phaseAS} s (rush hour), B ${phaseBS} s (rush hour + 50 subscribers to # + 1 QoS 0 flood publisher of 200-byte messages, each set in its own process)`,
        devices: `the simulator process (and its socat relays) at ${String(simReady.priority)}, standing in for hardware that does not share the CPU`,
        inside: `lane_input_to_command_*_ms_le: the gateway's ${LATENCY_METRIC} over phase B (every open by the rules, whatever input completed it), the upper bound of the bucket holding the quantile`,
        latency: `scan's last byte on the simulated scanner's wire → open relay edge / OPEN line's CR off the simulated barrier's wire (its ${r1(openLineMs)} ms on the wire at ${serialBauds} baud included); only decisions the scan completed, read from the lane records (the transit's first decision, by the rules, opening, its trigger the scan); ${report.excluded} opens excluded`,
        gateway: `its own process as on a box: built as the gatepost command runs (bin/bundle.js), node flags ${unitNodeFlags().join(' ')}, nice ${unitNice()}, environment ${unitEnvironmentText()} (ops/gatepost.service), its main thread (the lanes' event loop) ${gwReady.realtime ? `under SCHED_RR ${String(gwReady.realtime)} (ops.realtime)` : 'not real-time (not permitted here)'}, the embedded broker on its own thread at nice 10, serial ports read and written on the event loop`,
        traffic: JSON.stringify(traffic),
      },
      series: { rss, phaseBAt, latencyA, latencyB },
      dir: site.dir,
    };
  } finally {
    if (sampler) clearInterval(sampler);
    for (const c of children.reverse()) {
      c.send({ type: 'stop' });
      await c.stop(20_000);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export default rushHourBench;

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const r = await rushHourBench();
  process.stdout.write(`${JSON.stringify({ figures: r.figures, conditions: r.conditions }, null, 2)}\n`);
  process.exit(0);
}
