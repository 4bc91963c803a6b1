import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { soakChart } from './report/soak-chart.ts';
import { SOAK_FILE, type SoakResult, type SoakSample } from './soak-result.ts';
import { ROOT } from './support/child.ts';
import { parsePrometheus, sumOf } from './support/prom.ts';
import { startSoakSite } from './support/soak-site.ts';
import { max, median } from './support/stats.ts';
import { unitNodeFlags } from './support/unit-flags.ts';

/**
 * `npm run soak` (separate from the bench): the gateway and the simulated demo site in one
 * process (this script starts itself again with the systemd unit's node flags and
 * --expose-gc), with the normal-day traffic, on a clock running a simulated week in a few real
 * minutes. Every few seconds, after a forced GC: RSS, heap, event-loop lag and the error
 * counters of /metrics. Writes docs/soak.json (the benchmark report takes soak_rss_growth_pct
 * from it) and docs/charts/soak.svg.
 *
 *   npm run soak [-- --days 7 --minutes 6 --every 5]
 */
// Run as the box runs the gateway: with the systemd unit's node flags (and --expose-gc).
if (!process.env.GATEPOST_SOAK_CHILD) {
  const args = [
    ...unitNodeFlags(),
    '--expose-gc',
    '--import',
    'tsx',
    import.meta.filename,
    ...process.argv.slice(2),
  ];
  const child = spawnSync(process.execPath, args, {
    stdio: 'inherit',
    env: { ...process.env, GATEPOST_SOAK_CHILD: '1' },
  });
  process.exit(child.status ?? 1);
}

const { values } = parseArgs({
  options: {
    days: { type: 'string', default: '7' },
    minutes: { type: 'string', default: '6' },
    every: { type: 'string', default: '5' },
    'warm-up': { type: 'string', default: '0.15' },
  },
});
const days = Number(values.days);
const minutes = Number(values.minutes);
const everyS = Number(values.every);
const warmUp = Number(values['warm-up']);
const scale = Math.round((days * 86_400) / (minutes * 60));
const gc = (globalThis as { gc?: () => void }).gc;
const say = (line: string) => process.stdout.write(`[soak] ${line}\n`);

say(
  `${days} simulated days in ${minutes} min: clock × ${scale}${gc ? ', GC forced before each sample' : ' (no --expose-gc)'}`,
);
const soak = await startSoakSite(scale);
const startAt = soak.clock.now();
const t0 = performance.now();
const samples: SoakSample[] = [];

async function sample(): Promise<SoakSample> {
  gc?.();
  const m = parsePrometheus(await soak.gateway.ops.metrics.text());
  const mem = process.memoryUsage();
  return {
    day: Math.round(((soak.clock.now() - startAt) / 86_400_000) * 1000) / 1000,
    t: Math.round((performance.now() - t0) / 100) / 10,
    rssMb: Math.round((mem.rss / 1024 / 1024) * 10) / 10,
    heapMb: Math.round((mem.heapUsed / 1024 / 1024) * 10) / 10,
    loopLagP99Ms: Math.round(soak.gateway.ops.loop.lag().p99Ms * 10) / 10,
    decisions: sumOf(m, 'gatepost_decisions_total'),
    deviceErrors: sumOf(m, 'gatepost_device_errors_total'),
    alarms: sumOf(m, 'gatepost_alarms_total'),
    records: sumOf(m, 'gatepost_records_total'),
  };
}

soak.run.start();
let outcomes = '';
let manual: string[] = [];
try {
  while (performance.now() - t0 < minutes * 60_000) {
    await new Promise((r) => setTimeout(r, everyS * 1000));
    const s = await sample();
    samples.push(s);
    say(
      `day ${s.day.toFixed(2)}: RSS ${s.rssMb} MB, heap ${s.heapMb} MB, lag p99 ${s.loopLagP99Ms} ms, ${s.decisions} decisions, ${s.records} records, ${s.deviceErrors} device errors`,
    );
  }
  const m = parsePrometheus(await soak.gateway.ops.metrics.text());
  outcomes = ['PASS', 'YARD', 'ISOLATE', 'REVIEW']
    .map((o) => `${o} ${sumOf(m, 'gatepost_decisions_total', { outcome: o })}`)
    .join(', ');
  manual = [...soak.gateway.lanes.values()]
    .filter((l) => l.state().mode !== 'auto')
    .map((l) => l.state().lane);
} finally {
  await soak.stop();
}

// Growth after the warm-up: the median of the first tenth after it against the median of the last tenth.
const after = samples.filter((s) => s.day >= days * warmUp);
const n = Math.max(1, Math.floor(after.length / 10));
const base = median(after.slice(0, n).map((s) => s.rssMb));
const end = median(after.slice(-n).map((s) => s.rssMb));
const heapBase = median(after.slice(0, n).map((s) => s.heapMb));
const heapEnd = median(after.slice(-n).map((s) => s.heapMb));
const last = samples.at(-1);
const stats = soak.run.traffic.stats;
const pct = (a: number, b: number) => Math.round(((b - a) / a) * 1000) / 10;
const result: SoakResult = {
  finishedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  conditions: [
    `${last?.day ?? 0} simulated days in ${Math.round((last?.t ?? 0) / 6) / 10} real minutes (clock × ${scale}), gateway and simulated demo site in one process (node ${process.execArgv.filter((a) => a.startsWith('--') && a !== '--import').join(' ')})`,
    `growth: median RSS of the first tenth of the samples after a warm-up of ${warmUp * 100} % of the run against the last tenth${gc ? ', each after a forced GC' : ''}`,
    `adapted to the time scale: ${soak.adaptations.join('; ')}`,
    `traffic: ${stats.arrivals} arrivals (${stats.turnedAway} turned away at full queues), ${stats.through} trucks through, ${stats.parked} parked in the yard, ${stats.leftYard} left it; decisions ${outcomes}; lanes not in auto mode at the end: ${manual.join(', ') || 'none'}`,
  ].join('. '),
  figures: {
    soak_rss_growth_pct: pct(base, end),
    soak_heap_growth_pct: pct(heapBase, heapEnd),
    soak_rss_mb_end: end,
    soak_simulated_days: last?.day ?? 0,
    soak_decisions: last?.decisions ?? 0,
    soak_records: last?.records ?? 0,
    soak_device_errors: last?.deviceErrors ?? 0,
    soak_event_loop_lag_p99_ms_max: max(samples.map((s) => s.loopLagP99Ms)),
  },
  samples,
};
writeFileSync(SOAK_FILE, `${JSON.stringify(result, null, 2)}\n`);
mkdirSync(join(ROOT, 'docs/charts'), { recursive: true });
writeFileSync(join(ROOT, 'docs/charts/soak.svg'), soakChart(samples, days));
say(
  `RSS growth ${result.figures.soak_rss_growth_pct} % (${base} → ${end} MB); wrote docs/soak.json and docs/charts/soak.svg`,
);
process.exit(0);
