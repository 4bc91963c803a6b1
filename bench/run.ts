import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { BAY_SWEEP_CONDITIONS } from './bay-sweep-bench.ts';
import { BROKER_BENCH_CONDITIONS, brokerBench } from './broker-bench.ts';
import { COLD_START_CONDITIONS, coldStartBench } from './cold-start-bench.ts';
import { EVDEV_BENCH_CONDITIONS } from './evdev-scanner-bench.ts';
import { PLATE_CAMERA_BENCH_CONDITIONS } from './plate-camera-bench.ts';
import {
  RELEASE_RSS_CONDITIONS,
  RELEASE_START_CONDITIONS,
  releaseRushRss,
  releaseStartBench,
} from './release-start-bench.ts';
import { latencyChart, memoryChart } from './report/charts.ts';
import { type ReportMeta, renderMarkdown, type SectionResult } from './report/markdown.ts';
import { readmeBlock, rewriteReadme } from './report/readme.ts';
import { type RushHourResult, rushHourBench } from './rush-hour-bench.ts';
import { SOAK_FILE, type SoakResult } from './soak-result.ts';
import { STORE_BENCH_CONDITIONS } from './store-bench.ts';
import { ROOT, spawnBenchChild, stopAllChildren } from './support/child.ts';
import { loaderOverhead } from './support/loader-overhead.ts';
import { cpuReference, describeMachine } from './support/machine.ts';
import { unitNodeFlags } from './support/unit-flags.ts';
import { VERIFY_BENCH_CONDITIONS } from './verify-bench.ts';

/**
 * `npm run bench`: every benchmark the issues name, one after the other (the heavy ones in
 * child processes), then docs/benchmarks.md, docs/benchmarks.json (figure name → number),
 * docs/charts/*.svg and the README's "Measured" table. A benchmark that fails is reported as
 * failed and the others still run; the exit code is then 1.
 */
const started = performance.now();
const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const machine = describeMachine();
const sections: SectionResult[] = [];
const log = (line: string) =>
  process.stdout.write(`[bench ${Math.round((performance.now() - started) / 1000)} s] ${line}\n`);

type Figures = Record<string, number>;

async function section(
  id: string,
  title: string,
  conditions: string[],
  run: () => Promise<Figures | { figures: Figures; conditions?: string[] }>,
): Promise<void> {
  const t0 = performance.now();
  log(`${title} ...`);
  try {
    const r = await run();
    const figures = 'figures' in r && typeof r.figures === 'object' ? (r.figures as Figures) : (r as Figures);
    const extra = 'figures' in r && Array.isArray(r.conditions) ? r.conditions : [];
    sections.push({
      id,
      title,
      conditions: [...conditions, ...extra],
      figures,
      status: 'ok',
      seconds: (performance.now() - t0) / 1000,
    });
    log(`${title}: ${JSON.stringify(figures)}`);
  } catch (e) {
    const missing = e instanceof MissingBench;
    const note = e instanceof Error ? e.message : String(e);
    sections.push({
      id,
      title,
      conditions,
      figures: {},
      status: missing ? 'missing' : 'failed',
      note,
      seconds: (performance.now() - t0) / 1000,
    });
    log(`${title}: ${missing ? 'MISSING' : 'FAILED'}: ${note}`);
  }
}

class MissingBench extends Error {}

/** Runs an exported bench function in a child process and returns its figures. */
async function inChild(file: string, name = 'default', timeoutMs = 300_000): Promise<Figures> {
  const child = spawnBenchChild('bench/children/run-fn.ts', [file, name]);
  try {
    const result = await Promise.race([child.next('result', timeoutMs), child.next('failed', timeoutMs)]);
    if (result.type === 'failed') throw new Error(String(result.error));
    return result.figures as Figures;
  } finally {
    await child.stop();
  }
}

function ratio(a: number | undefined, b: number | undefined, digits = 2): number | undefined {
  if (a === undefined || b === undefined || b === 0) return undefined;
  return Math.round((a / b) * 10 ** digits) / 10 ** digits;
}

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} with uncommitted changes` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

let rush: RushHourResult | undefined;
try {
  await section(
    'loader',
    'Node and the TypeScript loader',
    ['RSS of an idle `node -e` with and without `--import tsx`, 1 s after start'],
    async () => loaderOverhead(),
  );
  await section('verify', 'Pass verification (issue 7)', [VERIFY_BENCH_CONDITIONS], () =>
    inChild('bench/verify-bench.ts', 'verifyBench'),
  );
  await section('store', 'Record store: ingest and drain (issue 3)', [STORE_BENCH_CONDITIONS], async () => {
    const f = await inChild('bench/store-bench.ts', 'storeBench');
    const r = ratio(f.ingest_records_per_s, f.sqlite_raw_rows_per_s);
    return r === undefined ? f : { ...f, ingest_vs_sqlite_raw_ratio: r };
  });
  await section(
    'broker',
    'MQTT broker throughput: the embedded broker with auth + ACL vs bare Aedes vs Mosquitto',
    [BROKER_BENCH_CONDITIONS],
    async () => ({ ...(await brokerBench()) }),
  );
  await section('bays', 'Bay sensor sweep of 1,200 bays (issue 5)', [BAY_SWEEP_CONDITIONS], () =>
    inChild('bench/bay-sweep-bench.ts', 'baySweepBench'),
  );
  await section(
    'evdev',
    'Keyboard-wedge scanner: evdev key event to code event (issue 23)',
    [EVDEV_BENCH_CONDITIONS],
    () => inChild('bench/evdev-scanner-bench.ts', 'evdevScannerBench'),
  );
  await section(
    'plate-camera',
    'Plate camera: push to committed sighting (issue 23)',
    [PLATE_CAMERA_BENCH_CONDITIONS],
    () => inChild('bench/plate-camera-bench.ts', 'plateCameraBench'),
  );
  await section(
    'rush',
    'Rush hour: scan-to-barrier latency quiet, MQTT-loaded and co-located (issues 9, 26) and memory',
    [],
    async () => {
      rush = await rushHourBench();
      return {
        figures: rush.figures,
        conditions: Object.entries(rush.conditions).map(([k, v]) => `${k}: ${v}`),
      };
    },
  );
  await section('cold', 'Cold start to ready', [COLD_START_CONDITIONS], async () => ({
    ...(await coldStartBench(rush?.dir)),
  }));
  await section(
    'release',
    'From the release build: cold start and memory under rush hour',
    [RELEASE_START_CONDITIONS, RELEASE_RSS_CONDITIONS],
    async () => ({ ...(await releaseStartBench(rush?.dir)), ...(await releaseRushRss()) }),
  );
  await section(
    'yard-map',
    'Yard map: 1,200 bay updates (issue 10)',
    ['bench/yard-map-bench.ts (written with the pages)'],
    async () => {
      const file = join(ROOT, 'bench/yard-map-bench.ts');
      if (!existsSync(file)) throw new MissingBench('bench/yard-map-bench.ts does not exist yet');
      const source = readFileSync(file, 'utf8');
      const named = /export\s+async\s+function\s+(\w*[Bb]ench\w*)/.exec(source)?.[1];
      const name = /export\s+default\s/.test(source) ? 'default' : named;
      if (!name) throw new MissingBench('bench/yard-map-bench.ts exports no bench function');
      // The whole string literal, apostrophes in a double-quoted one included.
      const conditions = /CONDITIONS\s*=\s*(["'])((?:\\.|(?!\1)[^\\])*)\1/.exec(source)?.[2];
      return {
        figures: await inChild('bench/yard-map-bench.ts', name),
        conditions: conditions ? [conditions] : [],
      };
    },
  );
  await section('soak', 'Soak (the last `npm run soak`)', [], async () => {
    if (!existsSync(SOAK_FILE))
      throw new MissingBench('no docs/soak.json: run `npm run soak` (separate from the bench)');
    const soak = JSON.parse(readFileSync(SOAK_FILE, 'utf8')) as SoakResult;
    return { figures: soak.figures, conditions: [`run ${soak.finishedAt}: ${soak.conditions}`] };
  });
} finally {
  await stopAllChildren();
  if (rush) rmSync(rush.dir, { recursive: true, force: true });
}

const all: Figures = {};
for (const s of sections) for (const [k, v] of Object.entries(s.figures)) if (Number.isFinite(v)) all[k] = v;
const docs = join(ROOT, 'docs');
mkdirSync(join(docs, 'charts'), { recursive: true });
const charts: ReportMeta['charts'] = [];
if (rush) {
  writeFileSync(join(docs, 'charts/latency.svg'), latencyChart(rush.series));
  writeFileSync(join(docs, 'charts/memory.svg'), memoryChart(rush.series));
  charts.push(
    { file: 'charts/latency.svg', alt: 'Scan-to-barrier latency distribution' },
    { file: 'charts/memory.svg', alt: 'Gateway RSS over the rush-hour run' },
  );
}
if (existsSync(join(docs, 'charts/soak.svg')))
  charts.push({ file: 'charts/soak.svg', alt: 'Memory and event-loop lag over the soak' });
const meta: ReportMeta = {
  command: 'npm run bench',
  startedAt,
  seconds: (performance.now() - started) / 1000,
  machine,
  commit: commit(),
  nodeFlags: unitNodeFlags(),
  loadAtEnd: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  cpuAtEnd: cpuReference(),
  charts,
};
all.cpu_reference_ed25519_per_s_start = machine.cpuAtStart;
all.cpu_reference_ed25519_per_s_end = meta.cpuAtEnd;
writeFileSync(join(docs, 'benchmarks.json'), `${JSON.stringify(all, null, 2)}\n`);
writeFileSync(join(docs, 'benchmarks.md'), renderMarkdown(meta, sections, all));
rewriteReadme(
  join(ROOT, 'README.md'),
  readmeBlock(all, startedAt.slice(0, 10), `${machine.cores} cores, ${machine.cpu}`),
);
const failed = sections.filter((s) => s.status === 'failed');
log(
  `wrote docs/benchmarks.md, docs/benchmarks.json, ${charts.length} charts and the README table${failed.length ? `; FAILED: ${failed.map((s) => s.id).join(', ')}` : ''}`,
);
process.exit(failed.length ? 1 : 0);
