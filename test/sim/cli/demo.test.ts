import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import type { InProcessSerialHub } from '../../../devices/serial/in-process-hub.ts';
import { loadTrustListFile } from '../../../gateway/passes/trust-list.ts';
import { startDemoSimulation } from '../../../sim/demo.ts';
import { freePort } from '../../support/mosquitto.ts';
import { ByteRecorder } from '../../support/recorder.ts';
import { makeTempDir, removeTempDirs } from '../../support/tmp.ts';
import { faultSiteConfig } from '../support/fault-site.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await removeTempDirs();
});

describe("the demo's simulation (gatepost start with simulation.enabled)", () => {
  it('writes the trust list before it returns, gives the gateway its serial lines, runs the traffic, stops cleanly', async () => {
    const dir = await makeTempDir();
    const config = faultSiteConfig(dir);
    config.passes.trustListPath = join(dir, 'not-yet', 'trust-list.json');
    config.broker.tcp.port = await freePort(); // no broker there: the link keeps retrying quietly
    config.simulation.enabled = true;
    const clock = new ManualClock();
    const sim = await startDemoSimulation({ config, clock, log: silentLogger() });
    closers.push(() => sim.stop());

    const trust = await loadTrustListFile(config.passes.trustListPath);
    expect([trust.gp1Keys.size, trust.dscByKid.size]).toEqual([1, 1]);

    const hub = sim.opener as InProcessSerialHub;
    const laneScanner = config.checkpoints[0]?.lanes[0]?.devices.scanner;
    const scanner = laneScanner?.kind === 'evdev' ? undefined : laneScanner?.port;
    if (!scanner) throw new Error('no scanner in the test config');
    const rec = new ByteRecorder(await hub.open(scanner));
    for (let i = 0; i < 60 && rec.bytes.length === 0; i++) await clock.advance(30_000);
    const code = await rec.waitFor((b) => b.includes(0x0d), 3000);
    // One whole code of the traffic: a GP1 JWS, an HC1 base45 string, or a plate typed as a code.
    expect(code.toString('utf8')).toMatch(
      /^(GP1:[\w-]+\.[\w-]+\.[\w-]+|HC1:[0-9A-Z $%*+\-./:]+|\p{Script=Han}[A-Z]\d{5})\r/u,
    );

    await sim.stop();
    expect(hub.isPlugged(scanner.path)).toBe(false);
  });
});
