import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareBenchSite } from './support/bench-site.ts';
import { type BenchChild, spawnBenchChild } from './support/child.ts';
import { rushHourScenario } from './support/rush-scenario.ts';
import { percentile, round } from './support/stats.ts';
import { unitEnvironment, unitNice, unitNodeFlags } from './support/unit-flags.ts';

/**
 * Plate camera (issue 23): from the start of a camera's push (a new connection, a multipart
 * ANPR push with anpr.xml and two pictures, ~63 KB) to its 200, which the listener sends only
 * once the sighting is committed to the store (fsynced). The gateway runs as its own process
 * beside the rush-hour traffic (the condition) with every lane's camera pushing at once,
 * each plate new (every push a commit). Where a push's time goes (profiled: the commit and its
 * fsync on the event loop, GC, the XML parser's garbage) is docs/camera-latency.md.
 */
export interface PlateCameraBenchFigures {
  plate_push_to_committed_p50_ms: number;
  plate_push_to_committed_p99_ms: number;
  plate_push_to_committed_max_ms: number;
  plate_pushes_per_s: number;
}

/** The rush-hour traffic runs this long before the first push. */
const WARM_UP_MS = 20_000;

export const PLATE_CAMERA_BENCH_CONDITIONS =
  "beside the rush-hour load: the gateway process (release bundle, the unit's flags) on the demo config with the rush-hour scenario's traffic from the simulator process (as in the rush-hour bench, 20 s of it before the first push), a plate camera on each of its 4 checkpoint lanes; 100 pushes per camera, the 4 cameras pushing at the same time with 50 ms between one camera's pushes; each push a new connection with a multipart Hikvision ANPR body (anpr.xml and two pictures, ~63 KB) of a new plate; latency from opening the push to its 200 (after the commit). Where the time goes (profiled: the sighting's commit and its fsync on the gateway's event loop, GC, the XML parser's garbage, stalls): docs/camera-latency.md. Since 2026-12-07 the cameras push from a process of their own at SCHED_RR 20 (bench/children/plate-cameras.ts), as the rush hour's simulated devices run (a camera is hardware that does not wait for the box's CPU); before, they pushed from the bench's own process at normal priority, where a push also waited for a core behind the gateway's real-time lanes and the simulator.";

export async function plateCameraBench(perCamera = 100): Promise<PlateCameraBenchFigures> {
  const rush = rushHourScenario();
  const site = await prepareBenchSite(undefined, { cameras: true });
  const port = Number(new URL(site.cameraUrl ?? 'http://127.0.0.1:0').port);
  const scenarioFile = join(site.dir, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify(rush.raw));
  const epoch = String(Date.now());
  const scale = String(rush.timeScale);
  const children: BenchChild[] = [];
  try {
    // The rush-hour site, as in the rush-hour bench: the simulated devices and their traffic in
    // one process, the gateway (as the unit runs it) in another.
    const sim = spawnBenchChild('bench/children/site-process.ts', [
      site.configFile,
      scenarioFile,
      site.brokerUrl,
      epoch,
      scale,
    ]);
    children.push(sim);
    await sim.next('ready', 60_000);
    const gw = spawnBenchChild('bench/children/gateway-process.ts', [site.configFile, epoch, scale], {
      nodeArgs: unitNodeFlags(),
      bundled: true,
      nice: unitNice(),
      env: unitEnvironment(),
    });
    children.push(gw);
    await gw.next('ready', 60_000);
    sim.send({ type: 'traffic' });
    await sim.next('traffic-started', 30_000);
    await new Promise((r) => setTimeout(r, WARM_UP_MS));

    const lanes = ['east-1', 'east-2', 'west-1', 'west-2'];
    const cameras = spawnBenchChild('bench/children/plate-cameras.ts', [
      String(port),
      String(perCamera),
      ...lanes,
    ]);
    children.push(cameras);
    const { priority } = await cameras.next('ready', 30_000);
    if (!String(priority).startsWith('SCHED_RR'))
      process.stderr.write(
        `plate-camera bench: the cameras' process runs at ${String(priority)}, not SCHED_RR\n`,
      );
    cameras.send({ type: 'push' });
    const done = await Promise.race([
      cameras.next('pushed', 300_000),
      cameras.next('failed', 300_000).then((m) => {
        throw new Error(`a camera's push failed: ${String(m.message)}`);
      }),
    ]);
    const latencies = [...(done.latencies as number[])];
    const seconds = done.seconds as number;
    latencies.sort((a, b) => a - b);
    return {
      plate_push_to_committed_p50_ms: round(percentile(latencies, 50), 2),
      plate_push_to_committed_p99_ms: round(percentile(latencies, 99), 2),
      plate_push_to_committed_max_ms: round(latencies.at(-1) ?? 0, 2),
      plate_pushes_per_s: round(latencies.length / seconds, 1),
    };
  } finally {
    for (const c of children.reverse()) {
      c.send({ type: 'stop' });
      await c.stop(20_000);
    }
    rmSync(site.dir, { recursive: true, force: true });
  }
}
