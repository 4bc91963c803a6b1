import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ScaledClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { virtualGpioChip } from '../../devices/gpio/virtual-chip.ts';
import { type Gateway, startGateway } from '../../gateway/app.ts';
import { type DemoSimulation, startDemoSimulation } from '../../sim/demo.ts';
import { parseConfig } from '../../site-config/load.ts';

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

/** A port free right now on loopback (the simulator's cameras must know it before the gateway listens). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('the traffic simulator drives the cameras', () => {
  it("trucks at the demo's lanes are seen by their plate and thermal cameras, one sighting each", async () => {
    const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
    const dir = mkdtempSync(join(tmpdir(), 'gatepost-camtraffic-'));
    raw.broker.tcp = { host: '127.0.0.1', port: 0 };
    raw.broker.websocket = { host: '127.0.0.1', port: 0 };
    raw.web = { enabled: false };
    raw.ops = { enabled: false };
    raw.storage = { path: join(dir, 'gatepost.db') };
    raw.passes = { trustListPath: join(dir, 'trust.json') };
    raw.cameras = {
      enabled: true,
      host: '127.0.0.1',
      port: await freePort(),
      plate: [
        { id: 'east-1-plate', lane: 'east-1', secret: 'east-1-plate-secret-01' },
        { id: 'west-1-plate', lane: 'west-1', allow: ['127.0.0.1'] },
      ],
      thermal: [{ id: 'east-1-thermal', lane: 'east-1', secret: 'east-1-thermal-secret' }],
    };
    const config = parseConfig(raw);
    const clock = new ScaledClock(20);
    const sim: DemoSimulation = await startDemoSimulation({ config, clock, log: silentLogger() });
    stops.push(() => sim.stop());
    const gateway: Gateway = await startGateway({
      config,
      clock,
      log: silentLogger(),
      serial: sim.opener as NonNullable<DemoSimulation['opener']>,
      gpio: virtualGpioChip,
    });
    stops.push(() => gateway.stop());

    const read = (type: string) => {
      const db = new BetterSqlite3(config.storage.path, { readonly: true });
      try {
        return (
          db.prepare('SELECT stream, data FROM records WHERE type = ?').all(type) as {
            stream: string;
            data: string;
          }[]
        ).map((r) => ({ stream: r.stream, data: JSON.parse(r.data) }));
      } finally {
        db.close();
      }
    };
    const end = Date.now() + 40_000;
    let sightings = read('plate-sighting');
    while ((sightings.length < 4 || read('camera-temperature').length < 1) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 250));
      sightings = read('plate-sighting');
    }
    expect(sightings.length).toBeGreaterThanOrEqual(4);
    expect(new Set(sightings.map((s) => s.stream))).toEqual(new Set(['lane/east-1', 'lane/west-1']));
    for (const s of sightings) expect(s.data.plate).toMatch(/^\p{Script=Han}[A-Z][0-9A-Z]{5}$/u);
    // Duplicates are merged: no plate is sighted twice by one camera within the window.
    const keys = sightings.map((s) => `${s.data.camera} ${s.data.plate}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(read('camera-temperature').length).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
