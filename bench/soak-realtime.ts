import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { startMosquitto } from '../test/support/mosquitto.ts';
import { benchRelease } from './release-start-bench.ts';
import { CentralSubscriber } from './soak/central-subscriber.ts';
import { OpenTransitWatch } from './soak/open-transits.ts';
import { type Outage, outageSchedule } from './soak/outage-schedule.ts';
import { realtimeCountsChart, realtimeMemoryChart } from './soak/realtime-chart.ts';
import { realtimeConditions } from './soak/realtime-conditions.ts';
import { realtimeFigures } from './soak/realtime-figures.ts';
import {
  isoNow,
  REALTIME_SOAK_FILE,
  type RealtimeSoakResult,
  writeRealtimeResult,
} from './soak/realtime-result.ts';
import type { RealtimeSample } from './soak/realtime-sample.ts';
import { takeSample } from './soak/realtime-sampler.ts';
import {
  defaultHours,
  longestYardStayS,
  RUSH,
  realtimeSoakScenario,
  rushDecisionsPerMinute,
  rushTrucksPerHour,
  TARGET_DECISIONS,
} from './soak/realtime-scenario.ts';
import { prepareRealtimeSoakSite, SOAK_CONFIG } from './soak/realtime-site.ts';
import { checkTargets, retentionHorizonS } from './soak/targets.ts';
import { type BenchChild, spawnBenchChild, stopAllChildren } from './support/child.ts';
import { scrape, sumOf } from './support/prom.ts';
import { unitEnvironment, unitNice, unitNodeFlags } from './support/unit-flags.ts';

/**
 * `npm run soak:realtime [-- --hours N]`: the real-time soak of issue 27. A real Mosquitto as the
 * central broker, the gateway alone in its process on config/soak.yaml (retention shortened),
 * the simulator in its own process driving the rush hour at every entry lane in real time, with
 * the yard turning over, uplink outages, device faults and trust-list reloads. Each minute a
 * sample from /proc/<pid>, the gateway process's probe (heap after a full GC) and /metrics,
 * written to docs/soak-realtime.json as it goes; at the end the slopes per 10,000 transits,
 * the targets, and docs/charts/soak-realtime*.svg. Ctrl-C ends it early and still reports.
 */
// The default length: TARGET_DECISIONS at the rush-hour bench's rate (the soak site's 4 entry lanes).
const rate = rushDecisionsPerMinute(4);
const { values } = parseArgs({
  options: {
    hours: { type: 'string', default: String(defaultHours(rate.perMin)) },
    every: { type: 'string', default: '60' },
    'warm-up': { type: 'string', default: '0.2' },
    'outage-every': { type: 'string', default: '60' },
    'outage-min': { type: 'string', default: '3' },
    'trust-every': { type: 'string', default: '15' },
    drain: { type: 'string', default: '300' },
    out: { type: 'string', default: REALTIME_SOAK_FILE },
    // Keeps the site's directory (the store, its WAL, the config) for a look after the run.
    keep: { type: 'boolean', default: false },
    // release: the gateway's process from a release build (dist/ modules, as a box runs it);
    // bundled: built into one module at start, as `npm start` runs a checkout.
    build: { type: 'string', default: 'release' },
  },
});
const build = values.build;
if (build !== 'release' && build !== 'bundled') {
  process.stderr.write(`soak:realtime: --build is release or bundled, not ${build}\n`);
  process.exit(2);
}
const hours = Number(values.hours);
const everyS = Number(values.every);
const warmUp = Number(values['warm-up']);
const drainS = Number(values.drain);
const totalMin = hours * 60;
const outFile = values.out;
// An outage every hour (the first after a third of a short run), a trust-list reload every 15 min.
const outageEveryMin = Number(values['outage-every']);
const outageMin = Number(values['outage-min']);
const plannedOutages = outageSchedule({
  totalMin,
  everyMin: outageEveryMin,
  lengthMin: outageMin,
  firstAtMin: Math.min(outageEveryMin / 3, totalMin / 3),
});
const trustEveryMin = Math.min(Number(values['trust-every']), totalMin / 4);
/** After an outage, minutes during which the backlog drains (samples not judged for lag). */
const OUTAGE_GRACE_MIN = 2;
const say = (line: string) => process.stdout.write(`[soak:realtime ${isoNow()}] ${line}\n`);

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    say(`${sig}: ending the soak early, then reporting what was measured`);
  });

const central = await startMosquitto({ persistence: true });
const subscriber = new CentralSubscriber(central.url);
await subscriber.ready();
const site = await prepareRealtimeSoakSite(central.url);
const scenario = realtimeSoakScenario(site.config, hours);
const result: RealtimeSoakResult = {
  status: 'running',
  startedAt: isoNow(),
  warmUpShare: warmUp,
  conditions: realtimeConditions({
    hours,
    everyS,
    warmUp,
    config: site.config,
    configFile: SOAK_CONFIG,
    scenario,
    trucksPerHour: rushTrucksPerHour(site.config.checkpoints.flatMap((c) => c.lanes).length),
    defaultLength: `${defaultHours(rate.perMin)} h for ${TARGET_DECISIONS} decisions at ${rate.source}`,
    planned: plannedOutages,
    outageGraceMin: OUTAGE_GRACE_MIN,
    trustEveryMin,
    nodeFlags: [...unitNodeFlags(), '--expose-gc'],
    build,
    nice: unitNice(),
  }),
  outages: [],
  samples: [],
};
say(`default length ${defaultHours(rate.perMin)} h: ${TARGET_DECISIONS} decisions at ${rate.source}`);
say(
  `${hours} h at the rush (${RUSH.arrivalsPerHour} trucks/h per entry lane + bursts), samples every ${everyS} s`,
);
say(`RETENTION SHORTENED (${SOAK_CONFIG}): ${result.conditions.retention}`);
say(`writing ${outFile} as it goes; central broker ${central.url} (pid ${central.pid})`);

const children: BenchChild[] = [];
let failure: unknown;
let t0 = performance.now();
let brokerDown = false;
let lastUp = Number.NEGATIVE_INFINITY;
let trustReloads = 0;
const minutes = () => (performance.now() - t0) / 60_000;
const write = () => writeRealtimeResult(result, outFile);
write();
try {
  const sim = spawnBenchChild('bench/soak/sim-soak-process.ts', [site.configFile, JSON.stringify(scenario)]);
  children.push(sim);
  const simReady = await sim.next('ready', 120_000);
  const gatewayFile = 'bench/soak/gateway-soak-process.ts';
  const release = build === 'release' ? await benchRelease(gatewayFile, 'soak-release') : undefined;
  const gateway = spawnBenchChild(gatewayFile, [site.configFile, String(Date.now()), '1'], {
    nodeArgs: [...unitNodeFlags(), '--expose-gc'],
    ...(release ? { release } : { bundled: true }),
    nice: unitNice(),
    env: unitEnvironment(),
  });
  children.push(gateway);
  const ready = await gateway.next('ready', 180_000);
  say(
    `gateway ready (pid ${gateway.pid}, ${Math.round(Number(ready.readyAfterMs))} ms); ${String(simReady.devices)} simulated devices`,
  );
  sim.send({ type: 'traffic' });
  t0 = performance.now();
  const deps = {
    gateway,
    sim,
    opsUrl: site.opsUrl,
    storePath: site.storePath,
    centralDecisions: () => subscriber.decisions,
    outage: () => brokerDown || minutes() - lastUp < OUTAGE_GRACE_MIN,
    t0,
    openTransits: new OpenTransitWatch(),
  };
  const pending = [...plannedOutages];
  let nextTrust = trustEveryMin;
  let nextSample = everyS;
  let current: Outage | undefined;
  while (!stopping && minutes() < totalMin) {
    await sleep(1000);
    const now = minutes();
    const due = pending[0];
    if (!current && due && now >= due.fromMin) {
      await central.stop();
      brokerDown = true;
      current = { fromMin: Math.round(now * 10) / 10, toMin: Number.NaN };
      say(`uplink outage: central broker stopped for ${outageMin} min`);
    } else if (current && due && now >= due.toMin) {
      await central.restart();
      brokerDown = false;
      lastUp = minutes();
      current.toMin = Math.round(lastUp * 10) / 10;
      result.outages.push(current);
      current = undefined;
      pending.shift();
      say('central broker back: the backlog drains');
    }
    if (now >= nextTrust) {
      nextTrust += trustEveryMin;
      sim.send({ type: 'trust-list' });
      trustReloads++;
    }
    if (now * 60 >= nextSample) {
      nextSample += everyS;
      const s = await takeSample(deps);
      result.samples.push(s);
      write();
      say(line(s));
    }
  }
  if (current) {
    await central.restart();
    brokerDown = false;
    lastUp = minutes();
    current.toMin = Math.round(lastUp * 10) / 10;
    result.outages.push(current);
  }
  // The traffic stops; what is in progress finishes and the backlog drains, then the last sample.
  sim.send({ type: 'quiet' });
  const drainUntil = performance.now() + drainS * 1000;
  say(`traffic stopped; waiting up to ${drainS} s for the backlog to drain to the central broker`);
  while (performance.now() < drainUntil) {
    const m = await scrape(site.opsUrl);
    const left = m ? sumOf(m, 'gatepost_uplink_backlog_records') : Number.NaN;
    const decisions = m ? sumOf(m, 'gatepost_decisions_total') : Number.NaN;
    if (left === 0 && subscriber.decisions >= decisions) break;
    await sleep(5000);
  }
  const final = await takeSample(deps);
  sim.send({ type: 'report' });
  const report = await sim.next('report', 60_000);
  result.traffic = { ...(report.traffic as object), bays: report.bays, trustListReloadsAsked: trustReloads };
  const { slopes, figures } = realtimeFigures(result.samples, final, warmUp, report, result.outages);
  result.slopesPer10kTransits = slopes;
  result.figures = figures;
  result.targets = checkTargets({
    samples: result.samples,
    warmUpShare: warmUp,
    retentionHorizonS: retentionHorizonS(site.config.storage, longestYardStayS()),
    final,
  });
  result.samples.push(final);
} catch (e) {
  failure = e;
} finally {
  for (const c of children.reverse()) {
    c.send({ type: 'stop' });
    await c.stop(30_000);
  }
  await stopAllChildren();
  await subscriber.close();
  await central.dispose();
  if (values.keep) say(`kept the site's directory (the store in it): ${site.dir}`);
  else rmSync(site.dir, { recursive: true, force: true });
}
result.finishedAt = isoNow();
result.status = failure ? 'failed' : 'finished';
if (failure) result.error = failure instanceof Error ? (failure.stack ?? failure.message) : String(failure);
if (stopping) result.conditions.length = `${result.conditions.length} (ended early by a signal)`;
write();
// The charts beside the result: docs/charts/ for docs/soak-realtime.json.
const charts = join(dirname(outFile), 'charts');
mkdirSync(charts, { recursive: true });
if (result.samples.length > 1) {
  writeFileSync(join(charts, 'soak-realtime.svg'), realtimeMemoryChart(result.samples, result.outages));
  writeFileSync(
    join(charts, 'soak-realtime-counts.svg'),
    realtimeCountsChart(result.samples, result.outages),
  );
}
for (const t of result.targets ?? [])
  say(
    `${t.ok === undefined ? 'n/a ' : t.ok ? 'MET ' : 'MISS'} ${t.name}: ${t.measured} (target ${t.target})`,
  );
say(`${result.status}; wrote ${outFile} and ${charts}/soak-realtime.svg, soak-realtime-counts.svg`);
if (failure) process.stderr.write(`${result.error}\n`);
process.exit(failure ? 1 : 0);

function line(s: RealtimeSample): string {
  return [
    `${(s.t / 60).toFixed(1)} min:`,
    `${s.decisions} decisions, ${s.transits} transits (${s.transitsOpen} open),`,
    `yard ${s.parked} parked/${s.inYard} in/${s.leftYard} left,`,
    `RSS ${s.rssMb} MB (anon ${s.rssAnonMb}, file ${s.rssFileMb}), load ${s.loadAvg1}, heap ${s.heapUsedMb} MB, ext ${s.externalMb} MB, fds ${s.fds}, handles ${s.handles},`,
    `lag p99 ${s.loopLagP99Ms} ms, store ${s.storeMb}+${s.walMb} MB, pending ${s.pending}${s.outage ? ' [outage]' : ''},`,
    `central ${s.centralDecisions}`,
  ].join(' ');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
