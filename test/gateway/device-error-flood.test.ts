import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ScaledClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { virtualGpioChip } from '../../devices/gpio/virtual-chip.ts';
import { InProcessSerialHub } from '../../devices/serial/in-process-hub.ts';
import { type Gateway, startGateway } from '../../gateway/app.ts';
import { DeviceErrorDataSchema } from '../../gateway/mqtt/gateway-payloads.ts';
import { parseConfig } from '../../site-config/load.ts';

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

/**
 * The demo site's gateway in this process, its serial devices on `hub`, no simulator, broker on
 * free loopback ports, a fresh store; `stop` stops it once (and is called after the test).
 */
async function startOnHub(
  hub: InProcessSerialHub,
): Promise<{ gateway: Gateway; stop: () => Promise<void>; path: string }> {
  const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
  raw.broker.tcp = { host: '127.0.0.1', port: 0 };
  raw.broker.websocket = { host: '127.0.0.1', port: 0 };
  raw.web = { enabled: false };
  raw.ops = { enabled: false };
  const path = join(mkdtempSync(join(tmpdir(), 'gatepost-flood-')), 'gatepost.db');
  raw.storage = { path, reserveBytes: 0 };
  raw.simulation = { enabled: false };
  const gateway = await startGateway({
    config: parseConfig(raw),
    clock: new ScaledClock(1),
    log: silentLogger(),
    serial: hub,
    gpio: virtualGpioChip,
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= gateway.stop();
    return stopping;
  };
  stops.push(stop);
  return { gateway, stop, path };
}

/** The device-error records of one stream and device in a stopped gateway's store. */
function deviceErrors(path: string, stream: string, device: string) {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return (
      db.prepare("SELECT data FROM records WHERE stream = ? AND type = 'device-error'").all(stream) as {
        data: string;
      }[]
    )
      .map((r) => DeviceErrorDataSchema.parse(JSON.parse(r.data)))
      .filter((d) => d.device === device);
  } finally {
    db.close();
  }
}

describe('a babbling scanner on a running gateway', () => {
  it('4 s of garbage: the errors the driver reports make a record or two with the count, not one each; the lane still reads', async () => {
    const hub = new InProcessSerialHub();
    const scanner = hub.plug('var/dev/west-1-scanner');
    const { gateway, stop, path } = await startOnHub(hub);
    const client = await mqtt.connectAsync(gateway.brokerUrl);
    stops.push(() => client.endAsync());
    await client.subscribeAsync('gatepost/demo/lane/west-1/scan', { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));

    // Garbage for 4 s without a pause: the driver reports the babble about once a second.
    const junk = Buffer.from([0x41, 0xff, 0xfe, 0x0d]); // invalid UTF-8, then the terminator
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      await scanner.write(Buffer.concat(Array.from({ length: 20 }, () => junk)));
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 1500)); // quiet: the scanner is believed again
    const scanned = new Promise((resolve) => client.once('message', resolve));
    await scanner.write(Buffer.from('PLATE-1\r'));
    await scanned; // the lane still reads
    await stop(); // open summaries are written at stop: nothing counted is lost

    const errors = deviceErrors(path, 'lane/west-1', 'scanner');
    // Today: one record per error the driver reports (the first bad frame, then the babble
    // every second). Now: the first as it came, the rest in one summary with their count.
    const heard = errors.reduce((n, e) => n + (e.count ?? 1), 0);
    expect(heard).toBeGreaterThanOrEqual(4);
    const kinds = new Set(errors.map((e) => e.kind)); // the first bad frame's, then babble
    expect(errors.length).toBeLessThanOrEqual(2 * kinds.size);
    for (const kind of kinds) {
      const [first, ...summaries] = errors.filter((e) => e.kind === kind);
      expect(first?.count).toBeUndefined();
      expect(summaries.every((e) => (e.count ?? 0) > 0)).toBe(true);
    }
    expect(errors.length).toBeLessThan(heard);
  });

  it('a bay sensor bus that never answers: its timeouts are device-error records on the gateway stream, collapsed', async () => {
    const hub = new InProcessSerialHub();
    hub.plug('var/dev/yard-bus-1'); // plugged, and silent: every poll times out (50 ms)
    const { stop, path } = await startOnHub(hub);
    await new Promise((r) => setTimeout(r, 3000)); // ~60 timeouts
    await stop();

    const errors = deviceErrors(path, 'gateway', 'bay-sensor');
    // Today: none at all (bay sensor errors were only counted in the bus metrics).
    const heard = errors.reduce((n, e) => n + (e.count ?? 1), 0);
    expect(heard).toBeGreaterThanOrEqual(20);
    expect(errors.length).toBeLessThanOrEqual(2);
    expect(errors[0]).toMatchObject({ device: 'bay-sensor', kind: expect.any(String) });
    expect(errors[0]?.bayId).toMatch(/^P-\d+$/);
  });
});
