import { rmSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { buildRelease, DIST_ENTRIES } from '../bin/bundle.js';
import { type Start, startOnce } from './cold-start-bench.ts';
import { rushHourBench } from './rush-hour-bench.ts';
import { prepareBenchSite } from './support/bench-site.ts';
import { ROOT } from './support/child.ts';
import { median } from './support/stats.ts';

/**
 * Cold start to ready from the release build (issue 21 item 6): the same start as
 * cold-start-bench.ts (the bench's gateway process, full demo site, devices simulated in another
 * process over PTYs, the slower of an empty store and an existing one), but its process runs the
 * plain modules of a release build, as an installed release does (bin/gatepost.js with dist/):
 * no check of the sources, no esbuild, the web pages read prebuilt from dist/web/ instead of
 * bundled at start, the broker's thread from its prebuilt module, begun before the gateway's
 * modules load (bench/children/gateway-process.ts, as bin/gatepost.js does). The build (`npm run
 * build` with the bench's gateway process as one more entry) is made first and not timed.
 */
export interface ReleaseStartFigures {
  /** The median round's slower start (RELEASE_START_ROUNDS rounds of an empty and an existing store). */
  cold_start_s_release: number;
  /** The slowest round's less the fastest's. */
  cold_start_s_release_spread: number;
  cold_start_s_release_rounds: number;
  /** Medians over the rounds. */
  cold_start_fresh_s_release: number;
  cold_start_existing_store_s_release: number;
  /** Where the median round's slower start spent its time: seconds since its process started (readiness milestones). */
  cold_start_release_modules_loaded_s: number;
  cold_start_release_broker_connected_s: number;
  cold_start_release_parts_started_s: number;
  /** The last device seen opened (the slower start's; a device that opened late holds the start). */
  cold_start_release_devices_s: number;
  /** CPU time of all its threads until ready (a busy machine stretches the wall time, not this). */
  cold_start_release_cpu_s: number;
}

/** Starts of each kind (an empty store, an existing one); the figures are medians over them. */
export const RELEASE_START_ROUNDS = 3;

export const RELEASE_START_CONDITIONS =
  "as cold_start_s, the gateway process run from a release build (dist/ modules, the pages and the DCC schema validators prebuilt, no esbuild, tsx or Ajv at start) at the unit's Nice= and Environment=; " +
  "as `gatepost start` does, the process begins the broker's thread before it loads the gateway's modules (broker/broker-early-thread.ts) and the trust list's first load begins with the gateway; " +
  'ready means what it did: store open, broker accepting and the gateway connected and online, trust list loaded, every device opened once. ' +
  `Since 2026-12-07: ${RELEASE_START_ROUNDS} rounds of an empty-store and an existing-store start; a round's figure is the slower of its two, cold_start_s_release the median round (_spread: the slowest round less the fastest; before, one round); fresh and existing: medians. ` +
  "The unit's node flags include --initial-old-space-size=24 since 2026-12-07 (docs/memory.md). " +
  "The milestones of the median round's slower start (s since its process started): modules loaded (startGateway begins), broker connected, every part started (lanes included), the last device seen opened; cpu: all its threads until ready";

/**
 * Builds a release for a bench, with the bench's own process module as one more entry, into
 * node_modules/.cache/gatepost/<folder>; resolves with how spawnBenchChild runs that module from it.
 * `file`: the bench's process module (default: the benches' gateway process).
 */
export async function benchRelease(
  file = 'bench/children/gateway-process.ts',
  folder = 'bench-release',
): Promise<{ dir: string; entries: Record<string, string> }> {
  const at = `node_modules/.cache/gatepost/${folder}`;
  const built = `bench-${basename(file, '.ts')}.js`;
  const dir = resolve(ROOT, at);
  await buildRelease(dir, { entries: { ...DIST_ENTRIES, [file]: built }, at });
  return { dir, entries: { [file]: built } };
}

/**
 * `existingDir`: a bench site directory whose store to start on (else one made by a first start).
 * RELEASE_START_ROUNDS rounds, each an empty-store start and an existing-store start; a round's
 * figure is the slower of its two, and cold_start_s_release the median round with the spread of
 * the rounds beside it (one start on this shared 2-core machine varies by 0.2 s with the load).
 */
export async function releaseStartBench(existingDir?: string): Promise<ReleaseStartFigures> {
  const release = await benchRelease();
  const rounds: { fresh: Start; existing: Start }[] = [];
  let existingSite = existingDir;
  for (let i = 0; i < RELEASE_START_ROUNDS; i++) {
    const first = await prepareBenchSite();
    const fresh = await startOnce(first, { release });
    existingSite ??= first.dir;
    const existing = await startOnce(await prepareBenchSite(existingSite), { release });
    rounds.push({ fresh, existing });
  }
  const s = (ms: number) => Math.round(ms) / 1000;
  const slowerOf = (r: { fresh: Start; existing: Start }) =>
    r.fresh.spawnToReadyMs > r.existing.spawnToReadyMs ? r.fresh : r.existing;
  const byTime = [...rounds].sort((a, b) => slowerOf(a).spawnToReadyMs - slowerOf(b).spawnToReadyMs);
  const middle = byTime[Math.floor(byTime.length / 2)];
  if (!middle) throw new Error('no start was measured');
  const slower = slowerOf(middle);
  const times = byTime.map((r) => slowerOf(r).spawnToReadyMs);
  const at = (name: string) => s(Number(slower.milestones[name] ?? Number.NaN));
  return {
    cold_start_s_release: s(slower.spawnToReadyMs),
    cold_start_s_release_spread: s((times.at(-1) ?? 0) - (times[0] ?? 0)),
    cold_start_s_release_rounds: rounds.length,
    cold_start_fresh_s_release: s(median(rounds.map((r) => r.fresh.spawnToReadyMs))),
    cold_start_existing_store_s_release: s(median(rounds.map((r) => r.existing.spawnToReadyMs))),
    cold_start_release_modules_loaded_s: at('created'),
    cold_start_release_broker_connected_s: at('broker'),
    cold_start_release_parts_started_s: at('parts'),
    cold_start_release_devices_s: at('devices'),
    cold_start_release_cpu_s: at('cpuMs'),
  };
}

export const RELEASE_RSS_CONDITIONS =
  'rss_mb_rush_hour_release: as rss_mb_rush_hour (warm-up, then phase A of the rush-hour bench: the RSS of the gateway process each second, max), the gateway process run from the release build; no phase B. ' +
  'What it is made of (2026-12-06, phase A, /proc smaps_rollup, v8 heap statistics of each isolate, heap snapshots): ' +
  '~48 MB file-backed pages (node and the native modules; an idle `node -e` alone is 40 MB RSS, 34 of them file-backed), ' +
  "the lanes' V8 heap ~35 MB committed (~27 MB live: 7.9 MB code, 4.9 MB module sources, the rest objects), " +
  "the broker thread's V8 heap ~14.5 MB (~13 live), ~9 MB external (array buffers of both isolates), ~7 MB other native (SQLite's page cache, stacks, malloc). " +
  "mqtt-packet's cache of 65,536 encoded packet ids (6.1 MB in each isolate) is turned off (broker/mqtt-packet-numbers.ts)";

/** The gateway's RSS under rush-hour load (phase A of rush-hour-bench.ts), from the release build. */
export async function releaseRushRss(): Promise<{
  rss_mb_rush_hour_release: number;
  rss_mb_rush_hour_median_release: number;
}> {
  const release = await benchRelease();
  const r = await rushHourBench({ release, phaseBS: 0 });
  rmSync(r.dir, { recursive: true, force: true });
  const max = r.figures.rss_mb_rush_hour;
  const median = r.figures.rss_mb_rush_hour_median;
  if (max === undefined || median === undefined) throw new Error('no RSS sample of the gateway in phase A');
  return { rss_mb_rush_hour_release: max, rss_mb_rush_hour_median_release: median };
}

export default releaseStartBench;

// node --import tsx bench/release-start-bench.ts [cold|rss]: one part of the section, printed.
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const rss = process.argv[2] === 'rss';
  const figures = rss ? await releaseRushRss() : await releaseStartBench();
  process.stdout.write(
    `${JSON.stringify(figures, null, 2)}\n(${rss ? RELEASE_RSS_CONDITIONS : RELEASE_START_CONDITIONS})\n`,
  );
  process.exit(0);
}
