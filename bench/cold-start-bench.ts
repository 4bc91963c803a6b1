import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type BenchSite, prepareBenchSite } from './support/bench-site.ts';
import { spawnBenchChild } from './support/child.ts';
import { rushHourScenario } from './support/rush-scenario.ts';
import { unitEnvironment, unitNice, unitNodeFlags } from './support/unit-flags.ts';

/**
 * Cold start to ready of the full demo site: from spawning the gateway process (node, tsx
 * compiling the sources, opening the store, the yard rebuilt from its stream) to its readiness:
 * broker listening, every device opened once (5 scanners, 4 thermometers, 5 barriers, 6 bay
 * buses), the gateway's state published. The devices are the simulator's, in their own process
 * over PTYs and the remote GPIO protocol, started before the gateway (on a box they are there).
 * Once on an empty store, once on the store a previous run left (e.g. the rush-hour bench's).
 */
export interface ColdStartFigures {
  cold_start_s: number;
  cold_start_fresh_s: number;
  cold_start_existing_store_s: number;
  /** From the start of startGateway (after node and module loading) to ready, existing store. */
  cold_start_in_process_s: number;
}

export const COLD_START_CONDITIONS =
  "spawn of the gateway process to the moment it is ready (its readiness, taken in the process; since 2026-12-06 not the arrival of its message, which came after the raise of the lanes' thread to real time that `gatepost start` makes only once ready: 130-200 ms under load); full demo site, devices simulated in another process over PTYs; cold_start_s is the slower of an empty store and an existing one; the gateway at the unit's Nice= and Environment= (ops/gatepost.service)";

export interface Start {
  spawnToReadyMs: number;
  inProcessMs: number;
  /** The gateway's readiness milestones, ms since its process started (gateway/ops/readiness.ts). */
  milestones: Record<string, number | string>;
}

/** How the gateway's process is started: as the `gatepost` command (default), or from a release build. */
export type GatewaySpawn = Pick<Parameters<typeof spawnBenchChild>[2] & object, 'release'>;

export async function startOnce(site: BenchSite, how: GatewaySpawn = {}): Promise<Start> {
  const scenarioFile = join(site.dir, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify(rushHourScenario().raw));
  const epoch = String(Date.now());
  const sim = spawnBenchChild('bench/children/site-process.ts', [
    site.configFile,
    scenarioFile,
    site.brokerUrl,
    epoch,
    '1',
  ]);
  try {
    await sim.next('ready', 60_000);
    const gw = spawnBenchChild('bench/children/gateway-process.ts', [site.configFile, epoch, '1'], {
      nodeArgs: unitNodeFlags(),
      // At the unit's Nice= and Environment=, as systemd starts it on a box (and as the rush-hour bench runs it).
      nice: unitNice(),
      env: unitEnvironment(),
      bundled: true,
      ...how,
    });
    try {
      const ready = await gw.next('ready', 60_000);
      const res = await fetch(`${site.opsUrl}/readyz`);
      if (res.status !== 200) throw new Error(`the gateway said ready but /readyz answered ${res.status}`);
      return {
        // To the moment the child was ready (both clocks are the system's, from each process's
        // origin), not to its message, which follows the raise to real time (gateway-process-run.ts).
        spawnToReadyMs: Number(ready.readyAtEpochMs) - (performance.timeOrigin + gw.spawnedAt),
        inProcessMs: Number(ready.readyAfterMs),
        milestones: {
          ...(ready.milestones as Record<string, number | string>),
          told: Number(ready.sinceProcessStartMs),
          cpuMs: Math.round(Number(ready.cpuMs)),
        },
      };
    } finally {
      gw.send({ type: 'stop' });
      await gw.stop(20_000);
    }
  } finally {
    sim.send({ type: 'stop' });
    await sim.stop(20_000);
  }
}

/** `existingDir`: a bench site directory whose store to start on (else one made by a first start). */
export async function coldStartBench(existingDir?: string): Promise<ColdStartFigures> {
  const first = await prepareBenchSite();
  const fresh = await startOnce(first);
  const existing = await startOnce(await prepareBenchSite(existingDir ?? first.dir));
  const s = (ms: number) => Math.round(ms) / 1000;
  return {
    cold_start_s: s(Math.max(fresh.spawnToReadyMs, existing.spawnToReadyMs)),
    cold_start_fresh_s: s(fresh.spawnToReadyMs),
    cold_start_existing_store_s: s(existing.spawnToReadyMs),
    cold_start_in_process_s: s(existing.inProcessMs),
  };
}

export default coldStartBench;

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.stdout.write(
    `${JSON.stringify(await coldStartBench(process.argv[2]), null, 2)}\n(${COLD_START_CONDITIONS})\n`,
  );
  process.exit(0);
}
