import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { INPUT_STAGES } from '../gateway/lanes/input-stages.ts';
import { type LineFormat, wireTimeMs } from '../sim/pacing.ts';
import { loadConfigFile } from '../site-config/load.ts';
import type { SiteConfig } from '../site-config/schema.ts';
import { prepareBenchSite } from './support/bench-site.ts';
import { type BenchChild, spawnBenchChild } from './support/child.ts';
import { acrossRounds, latencyFigures, type RoundFigures } from './support/condition-figures.ts';
import type { LatencySample } from './support/latency-probe.ts';
import { rssMb } from './support/proc.ts';
import { histogramQuantile, type Samples, scrape, sumOf } from './support/prom.ts';
import { rushHourScenario } from './support/rush-scenario.ts';
import { StallSampler } from './support/stall-sampler.ts';
import { max, median } from './support/stats.ts';
import { unitEnvironment, unitEnvironmentText, unitNice, unitNodeFlags } from './support/unit-flags.ts';

/**
 * The full demo site under rush-hour traffic, each part in its own process as on a box: the
 * gateway (embedded broker, store, lanes, yard, ops), the simulated devices and their traffic
 * over PTYs and the remote GPIO protocol, and in phase B the extra MQTT load of issue 9.
 *
 *   warm-up → 3 rounds (BENCH_RUSH_ROUNDS) of:
 *     phase A: rush hour, quiet (memory at steady state, latency without extra load)
 *     phase B: rush hour + 50 clients subscribed to `#` + one publishing as fast as it can
 *     phase C, co-located (issue 26): B's load + a real Chromium showing the yard map and two
 *       kiosks live, and a writer doing 200 small fsync'd writes a second on the store's disk
 *       (children/colocated-load.ts, started before the phase and ended after it)
 *
 * Each condition's latency figures are computed per round and reported as the median of the
 * rounds with their spread (support/condition-figures.ts). A thread of the bench's own process
 * (support/stall-sampler.ts) measures the machine's stalls in each phase, apart from the
 * gateway, and the gateway's own histogram gives what it spent inside (input to command).
 *
 * Measured from outside the gateway: its RSS from /proc every second, its /metrics every 5 s
 * (event-loop lag, decisions, bay sweeps), and the scan-to-barrier latency on the simulator's
 * side of the wires (support/latency-probe.ts), beside the 300-byte code's wire time.
 */
export interface RushHourSeries {
  /** [seconds since the start of phase A, RSS MB]; negative during the warm-up. */
  rss: [number, number][];
  /** Seconds (from the start of the first phase A) at which the first phase B began. */
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
const STAGE_METRIC = 'gatepost_lane_input_stage_seconds';

/** Lanes whose barrier is the serial one, from the bench site's config, with its line settings. */
function serialBarrierLanes(config: SiteConfig): Map<string, LineFormat> {
  const lanes = [...config.checkpoints.flatMap((c) => c.lanes), ...config.yard.exitLanes];
  const serial = new Map<string, LineFormat>();
  for (const l of lanes) if (l.devices.barrier.kind === 'serial') serial.set(l.id, l.devices.barrier.port);
  return serial;
}

/** The checkpoints' lane ids, in config order (the kiosks the co-located Chromium shows). */
function siteLanes(config: SiteConfig): string[] {
  return config.checkpoints.flatMap((c) => c.lanes.map((l) => l.id));
}

/** The serial barrier's `OPEN` + CR on the slowest of those lines. */
function openLineWireMs(lanes: Map<string, LineFormat>): number {
  return Math.max(0, ...[...lanes.values()].map((f) => wireTimeMs(f, 'OPEN\r'.length)));
}

const seconds = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** Issue 26's targets for the lanes, and where the measurements of what holds them back are. */
export const LANE_TARGETS_TEXT =
  "issue 26: GPIO lanes p99 <= 5 ms quiet and MQTT-loaded, <= 10 ms co-located; serial-barrier lanes p99 <= the OPEN line's wire time + 5 ms quiet and loaded, + 10 ms co-located (scan_to_barrier_p99_ms_*_gpio_lanes, _serial_lanes). Where a run misses them, what holds them back is measured in docs/lane-latency.md: the stages inside the gateway by condition (lane_stage_*), a trace of single scans step by step, a CPU profile of the bench's gateway, and the machine's own stalls beside them";

/**
 * `release`: the gateway's process from a release build (bench/release-start-bench.ts);
 * `phaseBS`: phase B's length instead of BENCH_RUSH_B_S (0 for the memory of phase A only).
 */
export async function rushHourBench(
  opts: { release?: { dir: string; entries: Record<string, string> }; phaseBS?: number } = {},
): Promise<RushHourResult> {
  const warmupS = seconds('BENCH_RUSH_WARMUP_S', 15);
  const rounds = opts.phaseBS === 0 ? 1 : seconds('BENCH_RUSH_ROUNDS', 3);
  const phaseAS = seconds('BENCH_RUSH_A_S', 40);
  const phaseBS = opts.phaseBS ?? seconds('BENCH_RUSH_B_S', 80);
  const phaseCS = opts.phaseBS === 0 ? 0 : seconds('BENCH_RUSH_C_S', 80);
  const writesPerS = seconds('BENCH_RUSH_C_WRITES_PER_S', 200);
  const rush = rushHourScenario();
  const site = await prepareBenchSite(undefined, { pages: phaseCS > 0 });
  const stalls = new StallSampler();
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
    /** The gateway's /metrics at each phase's start and end (for what it spent inside, per phase). */
    const bounds = new Map<string, { from?: Samples; to?: Samples }>();
    let current = '';
    const enter = async (name: string) => {
      const at = await scrape(site.opsUrl);
      if (current && at) bounds.set(current, { ...bounds.get(current), to: at });
      current = name;
      if (!name) return;
      bounds.set(name, { from: at });
      phase = name;
      phaseStart = performance.now();
      sim.send({ type: 'phase', name });
      stalls.phase(name);
    };
    await sleep(warmupS * 1000);
    let phaseBAt = Number.NaN;
    const floods: number[] = [];
    const fanouts: { perSecond: number; connected: number }[] = [];
    const colocated: { perSecond: number; fsyncP99Ms: number; pages: number }[] = [];
    for (let round = 1; round <= rounds; round++) {
      await enter(`A${round}`);
      await sleep(phaseAS * 1000);
      if (phaseBS <= 0) continue;
      const subs = spawn('bench/children/mqtt-load.ts', ['subs', site.brokerUrl, '50']);
      const pub = spawn('bench/children/mqtt-load.ts', ['pub', site.brokerUrl, '200']);
      await subs.next('ready', 60_000);
      await pub.next('ready', 60_000);
      await enter(`B${round}`);
      if (round === 1) phaseBAt = (phaseStart - t0) / 1000;
      pub.send({ type: 'go' });
      await sleep(phaseBS * 1000);
      if (phaseCS > 0 && site.webUrl) {
        // Chromium starts and signs its pages in before the phase (a box's screen is already up).
        const lanes = siteLanes(loadConfigFile(site.configFile)).slice(0, 2);
        const co = spawn('bench/children/colocated-load.ts', [
          site.webUrl,
          site.dir,
          String(writesPerS),
          ...lanes,
        ]);
        const ready = await co.next('ready', 120_000);
        await enter(`C${round}`);
        co.send({ type: 'go' });
        await sleep(phaseCS * 1000);
        co.send({ type: 'stop' });
        const done = await co.next('done', 60_000);
        colocated.push({
          perSecond: Number(done.perSecond),
          fsyncP99Ms: Number(done.fsyncP99Ms),
          pages: Number(ready.pages),
        });
        await co.stop(20_000);
      }
      await enter('');
      pub.send({ type: 'stop' });
      subs.send({ type: 'stop' });
      floods.push(Number((await pub.next('done', 30_000)).perSecond));
      const f = await subs.next('done', 30_000);
      fanouts.push({ perSecond: Number(f.perSecond), connected: Number(f.connected) });
      await Promise.all([pub.stop(20_000), subs.stop(20_000)]);
    }
    await enter('');
    sim.send({ type: 'report' });
    const report = await sim.next('report', 30_000);
    const stallsByPhase = await stalls.report();
    clearInterval(sampler);
    sampler = undefined;
    const final = await scrape(site.opsUrl);

    const samples = report.samples as LatencySample[];
    const isOf = (condition: string) => (s: { phase: string }) => s.phase.startsWith(condition);
    const latencyA = samples.filter(isOf('A')).map((s) => s.ms);
    const latencyB = samples.filter(isOf('B')).map((s) => s.ms);
    // The serial barrier's OPEN line takes its own wire time: its lanes are reported apart too.
    const siteConfig = loadConfigFile(site.configFile);
    const serialLanes = serialBarrierLanes(siteConfig);
    const serialIds = new Set(serialLanes.keys());
    const openLineMs = openLineWireMs(serialLanes);
    const serialBauds = [...new Set([...serialLanes.values()].map((f) => f.baudRate))].join('/');
    // The yard's exit lanes ask the yard and commit the truck's exit before their decision.
    const exitLanes = new Set(siteConfig.yard.exitLanes.map((l) => l.id));
    const ofExits = samples.filter((s) => isOf('B')(s) && exitLanes.has(s.lane)).map((s) => s.ms);
    // The first phase A's own seconds: not those after it while the 50 subscribers of phase B
    // connect (their sessions alone raised the broker thread's heap from 14 to 58 MB), which are no rush hour.
    const rssA = rss.filter(([t]) => t >= 0 && t < phaseAS).map(([, mb]) => mb);
    const rssB = rss.filter(([t]) => t >= phaseBAt).map(([, mb]) => mb);
    const lag = (p: string) =>
      max(
        scrapes
          .filter((s) => s.phase.startsWith(p))
          .map((s) => (s.m.get('gatepost_event_loop_lag_seconds{stat="p99"}') ?? 0) * 1000),
      );
    const decisions = final ? sumOf(final, 'gatepost_decisions_total') : Number.NaN;
    /** Each bus's last complete sweep: [series key, seconds]. */
    const sweepSeries = (m: Samples | undefined) =>
      m ? [...m].filter(([k]) => k.startsWith('gatepost_bay_sweep_seconds{')) : [];
    const sweepsOf = (m: Samples | undefined) => sweepSeries(m).map(([, v]) => v);
    /** Each bus's last sweep over its own wire-time limit (paired by the series' labels), the largest. */
    const sweepRatioOf = (m: Samples | undefined) => {
      const ratios = sweepSeries(m).map(
        ([k, v]) => v / (m?.get(k.replace('_sweep_seconds{', '_sweep_wire_seconds{')) ?? Number.NaN),
      );
      return max(ratios.filter(Number.isFinite));
    };
    const lastA = bounds.get(`A${rounds}`)?.to;
    const r1 = (n: number) => Math.round(n * 10) / 10;
    const r2 = (n: number) => Math.round(n * 100) / 100;
    const loopDelay = report.loopDelayMs as { p99: number; max: number };
    /** Quantile `q` of the gateway's own histogram over one phase, in ms (upper bound of its bucket). */
    const insideMs = (phaseName: string, q: number, metric = LATENCY_METRIC, match = {}) => {
      const b = bounds.get(phaseName);
      return r2((histogramQuantile(b?.to ?? new Map(), b?.from, metric, q, match) ?? Number.NaN) * 1000);
    };
    /** Each stage's p99 inside the gateway over one phase (gatepost_lane_input_stage_seconds). */
    const stagesP99 = (phaseName: string, suffix: string) =>
      Object.fromEntries(
        INPUT_STAGES.map((stage) => [
          `lane_stage_${stage}_p99_ms_le${suffix}`,
          insideMs(phaseName, 0.99, STAGE_METRIC, { stage }),
        ]),
      );
    /** One condition over its rounds: latency, the gateway's inside p99, the machine's stalls. */
    const condition = (letter: string, suffix: string): Record<string, number> => {
      const perRound: RoundFigures[] = [];
      for (let round = 1; round <= rounds; round++) {
        const name = `${letter}${round}`;
        if (!bounds.has(name)) continue;
        const stall = stallsByPhase[name];
        perRound.push({
          ...latencyFigures(
            samples.filter((s) => s.phase === name),
            serialIds,
            suffix,
          ),
          [`lane_input_to_command_p99_ms_le${suffix}`]: insideMs(name, 0.99),
          ...stagesP99(name, suffix),
          [`machine_stall_p99_ms${suffix}`]: stall?.p99Ms ?? Number.NaN,
          [`machine_stall_max_ms${suffix}`]: stall?.maxMs ?? Number.NaN,
        });
      }
      return acrossRounds(perRound);
    };
    const loaded = condition('B', '');
    const p99B = loaded.scan_to_barrier_p99_ms ?? Number.NaN;
    const medianOr = (xs: number[]) => (xs.length ? median(xs) : Number.NaN);
    const figures: Record<string, number> = {
      ...condition('A', '_no_extra_load'),
      ...loaded,
      ...condition('C', '_colocated'),
      scan_wire_ms: r1(SCAN_WIRE_MS),
      scan_to_barrier_p99_vs_wire_ratio: Math.round((p99B / SCAN_WIRE_MS) * 1000) / 1000,
      scan_to_barrier_max_ms_yard_exit: r1(max(ofExits)),
      scan_to_barrier_samples_yard_exit: ofExits.length,
      barrier_open_line_wire_ms: r1(openLineMs),
      rss_mb_rush_hour: r1(max(rssA)),
      rss_mb_rush_hour_median: r1(median(rssA)),
      rss_mb_rush_hour_extra_load: r1(max(rssB)),
      event_loop_lag_p99_ms_rush_hour: r1(lag('A')),
      event_loop_lag_p99_ms_extra_load: r1(lag('B')),
      event_loop_lag_p99_ms_colocated: r1(lag('C')),
      rush_hour_decisions: decisions,
      rush_hour_decisions_per_min: r1(
        decisions / ((warmupS + rounds * (phaseAS + Math.max(0, phaseBS) + phaseCS)) / 60),
      ),
      // The gateway's own histogram over every phase B together (the figure of earlier reports).
      lane_input_to_command_p50_ms_le: r1(
        medianOr(
          Array.from({ length: rounds }, (_, k) => insideMs(`B${k + 1}`, 0.5)).filter(Number.isFinite),
        ),
      ),
      // How late the simulated devices' own event loop ran in the last phase (the last round's
      // co-located one, or B without it): the probe sees an open that much late.
      sim_loop_delay_p99_ms_extra_load: r2(loopDelay.p99),
      sim_loop_delay_max_ms_extra_load: r2(loopDelay.max),
      bay_sweep_s_rush_hour: Math.round(max(sweepsOf(lastA)) * 1000) / 1000,
      bay_sweep_s_extra_load: Math.round(max(sweepsOf(final)) * 1000) / 1000,
      // The same sweeps against their wire-time limit (issue 26 item 5: "including under rush hour").
      bay_sweep_vs_wire_ratio_rush_hour: r2(sweepRatioOf(lastA)),
      bay_sweep_vs_wire_ratio_extra_load: r2(sweepRatioOf(final)),
      flood_msgs_per_s: Math.round(medianOr(floods)),
      fanout_msgs_per_s: Math.round(medianOr(fanouts.map((f) => f.perSecond))),
      fanout_clients_connected_at_end: Math.min(...fanouts.map((f) => f.connected)),
      colocated_fsync_writes_per_s: r1(medianOr(colocated.map((c) => c.perSecond))),
      colocated_fsync_p99_ms: r2(medianOr(colocated.map((c) => c.fsyncP99Ms))),
      colocated_pages: colocated[0]?.pages ?? Number.NaN,
    };
    for (const [k, v] of Object.entries(figures)) if (!Number.isFinite(v)) delete figures[k];
    const traffic = report.traffic as Record<string, unknown>;
    return {
      figures,
      conditions: {
        scenario: `${rush.source}; time scale ${rush.timeScale} (device and traffic time; wire timing real)`,
        phases: `warm-up ${warmupS} s, then ${rounds} round(s) of A ${phaseAS} s (rush hour, quiet), B ${phaseBS} s (rush hour + 50 subscribers to # + 1 QoS 0 flood publisher of 200-byte messages, each set in its own process)${phaseCS > 0 ? `, C ${phaseCS} s (co-located: B's load + headless Chromium showing the yard map at 1920×1080 and two kiosks at 1280×800, live, + ${writesPerS} fsync'd 512-byte writes a second beside the store)` : ''}; each figure the median of the rounds, *_spread the highest round less the lowest`,
        stalls: `machine_stall_*: a thread of the bench's process sleeping 1 ms at a time (Atomics.wait), how much longer each sleep took: the CPU the machine took away from a ready thread, apart from the gateway`,
        devices: `the simulator process (and its socat relays) at ${String(simReady.priority)}, standing in for hardware that does not share the CPU`,
        inside: `lane_input_to_command_*_ms_le: the gateway's ${LATENCY_METRIC} over each phase (every open by the rules, whatever input completed it), the upper bound of the bucket holding the quantile; lane_stage_<stage>_p99_ms_le: the same of ${STAGE_METRIC} for each stage of that way (queue: reaching the lane to handled off its queue; verify: the pass's verification; decide: the rules, a bay, the record built; commit: the decision's commit and fsync; command: commit to the command issued; gateway/lanes/input-stages.ts); what they show: docs/lane-latency.md`,
        latency: `scan's last byte on the simulated scanner's wire → open relay edge / OPEN line's CR off the simulated barrier's wire (its ${r1(openLineMs)} ms on the wire at ${serialBauds} baud included); only decisions the scan completed, read from the lane records (the transit's first decision, by the rules, opening, its trigger the scan); ${report.excluded} opens excluded`,
        gateway: `its own process as on a box: built as the gatepost command runs (bin/bundle.js), node flags ${unitNodeFlags().join(' ')}, nice ${unitNice()}, environment ${unitEnvironmentText()} (ops/gatepost.service), its main thread (the lanes' event loop) ${gwReady.realtime ? `under SCHED_RR ${String(gwReady.realtime)} (ops.realtime)` : 'not real-time (not permitted here)'}, the embedded broker on its own thread at nice 10, serial ports read and written on the event loop`,
        traffic: JSON.stringify(traffic),
        targets: LANE_TARGETS_TEXT,
      },
      series: { rss, phaseBAt, latencyA, latencyB },
      dir: site.dir,
    };
  } finally {
    if (sampler) clearInterval(sampler);
    await stalls.stop();
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
