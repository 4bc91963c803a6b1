import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ScaledClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { virtualGpioChip } from '../../devices/gpio/virtual-chip.ts';
import { InProcessSerialHub } from '../../devices/serial/in-process-hub.ts';
import { type Gateway, startGateway } from '../../gateway/app.ts';
import { GatewayStateSchema } from '../../gateway/mqtt/gateway-payloads.ts';
import { AnyRecordSchema } from '../../gateway/mqtt/record.ts';
import { parseConfig } from '../../site-config/load.ts';

const running: { gateway?: Gateway; client?: MqttClient }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.client?.endAsync();
    await r.gateway?.stop();
  }
});

/** The demo config on free ports and a fresh database. */
function testConfig() {
  const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
  raw.broker.tcp = { host: '127.0.0.1', port: 0 };
  raw.broker.websocket = { host: '127.0.0.1', port: 0 };
  raw.web = { enabled: false };
  raw.ops = { enabled: false };
  raw.storage = { path: join(mkdtempSync(join(tmpdir(), 'gatepost-slice-')), 'gatepost.db') };
  raw.simulation = { enabled: false };
  return parseConfig(raw);
}

function nextMessage(client: MqttClient, filter: string): Promise<{ topic: string; payload: unknown }> {
  return new Promise((resolve) => {
    const on = (topic: string, payload: Buffer) => {
      if (!topic.match(filter)) return;
      client.off('message', on);
      resolve({ topic, payload: JSON.parse(payload.toString()) });
    };
    client.on('message', on);
  });
}

/** The gateway in-process on the test config, one simulated scanner plugged in, and a client. */
async function startWithScanner(scannerPath: string, config = testConfig(), otherScanner?: string) {
  const hub = new InProcessSerialHub();
  const device = hub.plug(scannerPath);
  const other = otherScanner === undefined ? undefined : hub.plug(otherScanner);
  const gateway = await startGateway({
    config,
    clock: new ScaledClock(1),
    log: silentLogger(),
    serial: hub,
    gpio: virtualGpioChip,
  });
  const client = await mqtt.connectAsync(gateway.brokerUrl);
  running.push({ gateway, client });
  return { config, device, other, client };
}

describe('thin slice: a scanned code becomes a stored record and an MQTT event', () => {
  it('scanner bytes → driver → SQLite → local broker', async () => {
    const { config, device, client } = await startWithScanner('var/dev/east-1-scanner');
    await client.subscribeAsync('gatepost/demo/#', { qos: 1 });

    const state = await nextMessage(client, 'gatepost/demo/gateway/state');
    expect(GatewayStateSchema.parse(state.payload)).toMatchObject({ state: 'online', reason: 'started' });

    const scanned = nextMessage(client, '/scan$');
    // Wait until the driver has the port open, then the scanner sends a code and CR.
    await new Promise((r) => setTimeout(r, 200));
    await device.write(Buffer.from('晋D12345\r', 'utf8'));
    const msg = await scanned;
    expect(msg.topic).toBe('gatepost/demo/lane/east-1/scan');
    const record = AnyRecordSchema.parse(msg.payload);
    expect(record).toMatchObject({
      site: 'demo',
      stream: 'lane/east-1',
      type: 'scan',
      data: { lane: 'east-1', kind: 'unverified', code: '晋D12345', bytes: Buffer.byteLength('晋D12345') },
    });

    // The record was committed before it was published: a separate connection sees it.
    const db = new BetterSqlite3(config.storage.path, { readonly: true });
    const row = db
      .prepare('SELECT stream, seq, type, data FROM records WHERE id = ?')
      .get(record.id) as Record<string, unknown>;
    db.close();
    expect(row).toMatchObject({ stream: 'lane/east-1', seq: record.seq, type: 'scan' });
    expect(JSON.parse(String(row.data))).toMatchObject({ code: '晋D12345' });
  });

  it('bad input from the scanner is recorded as a device error and the lane keeps reading', async () => {
    const { client, device } = await startWithScanner('var/dev/west-1-scanner');
    await client.subscribeAsync('gatepost/demo/lane/west-1/#', { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));

    const error = nextMessage(client, '/device-error$');
    await device.write(Buffer.from([0x41, 0xff, 0xfe, 0x0d])); // invalid UTF-8
    const errorRecord = AnyRecordSchema.parse((await error).payload);
    expect(errorRecord).toMatchObject({
      type: 'device-error',
      data: { device: 'scanner', kind: 'invalid-utf8' },
    });

    const scan = nextMessage(client, '/scan$');
    // After a quiet line: a code right behind bad input is babble, not a scan (issue 18, item 15).
    await new Promise((r) => setTimeout(r, 300));
    await device.write(Buffer.from('PLATE-1\r'));
    const scanRecord = AnyRecordSchema.parse((await scan).payload);
    expect(scanRecord).toMatchObject({ data: { code: 'PLATE-1', kind: 'unverified' } });
    expect(scanRecord.seq).toBeGreaterThan(errorRecord.seq);
  });

  it('after a restart, a pass shown before it is still a replay at another lane; rescanned on its lane, whose transit the restart cut short, it is not', async () => {
    const first = await startWithScanner('var/dev/east-1-scanner');
    await first.client.subscribeAsync('gatepost/demo/lane/+/verification', { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));
    const seen = nextMessage(first.client, '/verification$');
    await first.device.write(Buffer.from('晋D12345\r', 'utf8'));
    expect(AnyRecordSchema.parse((await seen).payload)).toMatchObject({ data: { replayed: false } });
    const r = running.pop();
    await r?.client?.endAsync();
    await r?.gateway?.stop();

    const second = await startWithScanner('var/dev/west-1-scanner', first.config, 'var/dev/east-1-scanner');
    await second.client.subscribeAsync('gatepost/demo/lane/+/#', { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));
    // The same truck, its transit at east-1 closed as interrupted, scans again there.
    const rescan = nextMessage(second.client, 'east-1/verification$');
    await second.other?.write(Buffer.from('晋D12345\r', 'utf8'));
    expect(AnyRecordSchema.parse((await rescan).payload)).toMatchObject({ data: { replayed: false } });
    const verification = nextMessage(second.client, 'west-1/verification$');
    const alarm = nextMessage(second.client, 'west-1/alarm$');
    await second.device.write(Buffer.from('晋D12345\r', 'utf8'));
    expect(AnyRecordSchema.parse((await verification).payload)).toMatchObject({
      stream: 'lane/west-1',
      data: { replayed: true },
    });
    expect(AnyRecordSchema.parse((await alarm).payload)).toMatchObject({
      data: { kind: 'pass-replayed', message: 'this pass was shown at lane east-1 a short while ago' },
    });
  });
});
