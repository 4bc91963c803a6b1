import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ScaledClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import type { PlateSightingEvent } from '../../../devices/camera/camera-events.ts';
import { virtualGpioChip } from '../../../devices/gpio/virtual-chip.ts';
import { InProcessSerialHub } from '../../../devices/serial/in-process-hub.ts';
import { type Gateway, startGateway } from '../../../gateway/app.ts';
import { TOPICS } from '../../../gateway/mqtt/topics.ts';
import { parseConfig } from '../../../site-config/load.ts';
import { heldBytes } from '../../support/held-memory.ts';

const SECRET = 'east-1-plate-secret-0001';
const fixture = (name: string) => readFileSync(`test/fixtures/cameras/${name}`);
/** Stand-ins for the JPEGs a camera sends: SOI, some bytes, EOI. */
const jpeg = (n: number, fill: number) =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(n, fill), Buffer.from([0xff, 0xd9])]);

let gateway: Gateway;
let client: MqttClient;
let port: number;
let dbPath: string;
const messages: { topic: string; payload: any }[] = [];

beforeAll(async () => {
  const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
  raw.broker.tcp = { host: '127.0.0.1', port: 0 };
  raw.broker.websocket = { host: '127.0.0.1', port: 0 };
  raw.web = { enabled: false };
  raw.ops = { enabled: false };
  dbPath = join(mkdtempSync(join(tmpdir(), 'gatepost-cameras-')), 'gatepost.db');
  raw.storage = { path: dbPath };
  raw.simulation = { enabled: false };
  raw.cameras = {
    enabled: true,
    host: '127.0.0.1',
    port: 0,
    plate: [
      { id: 'east-1-plate', lane: 'east-1', secret: SECRET },
      { id: 'east-2-plate', lane: 'east-2', allow: ['10.9.9.9'] },
      { id: 'west-1-plate', lane: 'west-1', allow: ['127.0.0.1'] },
    ],
    thermal: [{ id: 'east-1-thermal', lane: 'east-1', allow: ['127.0.0.1'] }],
  };
  gateway = await startGateway({
    config: parseConfig(raw),
    clock: new ScaledClock(1),
    log: silentLogger(),
    serial: new InProcessSerialHub(),
    gpio: virtualGpioChip,
  });
  port = gateway.cameras?.listener.port ?? 0;
  client = await mqtt.connectAsync(gateway.brokerUrl);
  client.on('message', (topic, payload) => messages.push({ topic, payload: JSON.parse(payload.toString()) }));
  await client.subscribeAsync(['gatepost/demo/lane/#', 'gatepost/demo/gateway/#'], { qos: 1 });
  // The yard publishes its 1,200 retained bay views once after start (the broker keeps them):
  // wait for them, so that the memory figures below are the listener's alone.
  let bays = 0;
  const watcher = await mqtt.connectAsync(gateway.brokerUrl);
  watcher.on('message', () => bays++);
  await watcher.subscribeAsync('gatepost/demo/yard/bay/+', { qos: 0 });
  await until(() => (bays >= 1200 ? true : undefined), 20_000);
  await watcher.endAsync();
}, 30_000);

afterAll(async () => {
  await client?.endAsync();
  await gateway?.stop();
});

/** One push over a real HTTP connection on loopback; the body streams in 64 KiB chunks. */
function push(
  path: string,
  body: Buffer | { size: number; pauseAt?: number; paused?: () => Promise<void> },
  headers: Record<string, string> = {},
): Promise<{ status: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, reason: JSON.parse(Buffer.concat(chunks).toString()).reason }),
      );
    });
    req.on('error', reject);
    if (Buffer.isBuffer(body)) return req.end(body);
    // A large body from one reused chunk: the client itself holds 64 KiB at a time.
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    let left = body.size;
    let pause = body.pauseAt;
    const write = (): unknown => {
      while (left > 0) {
        if (pause !== undefined && body.size - left >= pause && body.paused) {
          pause = undefined;
          return void body.paused().then(write);
        }
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return req.once('drain', write);
      }
      return req.end();
    };
    write();
  });
}

function multipart(parts: { name: string; filename?: string; type: string; data: Buffer }[]) {
  const boundary = 'MIME_boundary_7c1f3e2a';
  const body = Buffer.concat([
    ...parts.flatMap((p) => [
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\nContent-Type: ${p.type}\r\nContent-Length: ${p.data.length}\r\n\r\n`,
      ),
      p.data,
      Buffer.from('\r\n'),
    ]),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

/** Records of a type in the store, read from the SQLite file by another connection. */
function stored(type: string): { stream: string; data: any }[] {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    return (
      db.prepare('SELECT stream, data FROM records WHERE type = ? ORDER BY seq').all(type) as any[]
    ).map((r) => ({ stream: r.stream, data: JSON.parse(r.data) }));
  } finally {
    db.close();
  }
}

async function until<T>(find: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = find();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('plate cameras push to the listener', () => {
  it('a Hikvision multipart ANPR push is committed before its 200, published and handed to the lane', async () => {
    const heard: PlateSightingEvent[] = [];
    gateway.cameras?.lane('east-1').on('sighting', (e) => heard.push(e));
    const plate = jpeg(3000, 1);
    const scene = jpeg(40_000, 2);
    const { body, type } = multipart([
      { name: 'anpr.xml', filename: 'anpr.xml', type: 'text/xml', data: fixture('hikvision-anpr.xml') },
      {
        name: 'licensePlatePicture.jpg',
        filename: 'licensePlatePicture.jpg',
        type: 'image/jpeg',
        data: plate,
      },
      { name: 'detectionPicture.jpg', filename: 'detectionPicture.jpg', type: 'image/jpeg', data: scene },
    ]);
    const r = await push(`/cameras/east-1-plate?secret=${SECRET}`, body, { 'content-type': type });
    expect(r).toEqual({ status: 200, reason: 'sighting stored' });
    // Committed before the 200: another connection sees it at once.
    const rows = stored('plate-sighting');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.stream).toBe('lane/east-1');
    expect(rows[0]?.data).toMatchObject({
      camera: 'east-1-plate',
      plate: '浙AX2P12',
      colour: 'blue',
      colourCode: 0,
      confidence: 96,
      reads: 1,
      late: true,
      pictures: [
        {
          name: 'licensePlatePicture.jpg',
          sha256: createHash('sha256').update(plate).digest('hex'),
          bytes: plate.length,
        },
        {
          name: 'detectionPicture.jpg',
          sha256: createHash('sha256').update(scene).digest('hex'),
          bytes: scene.length,
        },
      ],
    });
    expect(JSON.stringify(rows[0]?.data)).not.toContain('path');
    expect(heard.map((e) => e.plate)).toEqual(['浙AX2P12']);
    const msg = await until(() =>
      messages.find((m) => m.topic === 'gatepost/demo/lane/east-1/plate-sighting'),
    );
    expect(TOPICS.lanePlateSighting.schema.parse(msg.payload).data.plate).toBe('浙AX2P12');
    const health = await until(() =>
      messages.find(
        (m) =>
          m.topic === 'gatepost/demo/lane/east-1/device/plate-camera/health' && m.payload.state === 'online',
      ),
    );
    expect(health.payload.reason).toContain('east-1-plate');
  });

  it('repeated reads within the window are one sighting', async () => {
    const again = await push('/cameras/east-1-plate', fixture('hikvision-anpr.xml'), {
      'content-type': 'application/xml',
      'x-camera-secret': SECRET,
    });
    expect(again.status).toBe(200);
    expect(again.reason).toMatch(/repeat read/);
    expect(stored('plate-sighting')).toHaveLength(1);
  });

  it('a bare GBK body and the generic JSON shape are read', async () => {
    const gbk = await push('/cameras/west-1-plate', fixture('hikvision-anpr-gbk.xml'), {
      'content-type': 'text/xml',
    });
    expect(gbk.status).toBe(200);
    const json = await push('/cameras/east-1-plate', fixture('generic-plate.json'), {
      'content-type': 'application/json',
      'x-camera-secret': SECRET,
    });
    expect(json.status).toBe(200);
    const rows = stored('plate-sighting').map((r) => [r.stream, r.data.plate, r.data.colourCode]);
    expect(rows).toContainEqual(['lane/west-1', '粤B12345', 1]);
    expect(rows).toContainEqual(['lane/east-1', '苏ED12345', 5]);
  });

  it('a heartbeat answers 200 and makes no sighting', async () => {
    const before = stored('plate-sighting').length;
    const r = await push('/cameras/west-1-plate', fixture('hikvision-heartbeat.xml'), {
      'content-type': 'text/xml',
    });
    expect(r.status).toBe(200);
    expect(stored('plate-sighting')).toHaveLength(before);
  });
});

describe('thermal cameras push to the listener', () => {
  it('a °F body temperature is stored in °C, marked as from the camera', async () => {
    const r = await push('/cameras/east-1-thermal', fixture('hikvision-facecapture-temperature.json'), {
      'content-type': 'application/json',
    });
    expect(r).toEqual({ status: 200, reason: 'measurement stored' });
    // The camera pushes the same measurement again (same uid): answered, not stored twice.
    const again = await push('/cameras/east-1-thermal', fixture('hikvision-facecapture-temperature.json'), {
      'content-type': 'application/json',
    });
    expect(again).toEqual({ status: 200, reason: 'repeat push of a stored measurement' });
    const rows = stored('camera-temperature');
    expect(rows).toHaveLength(1);
    expect(rows.at(-1)?.data).toMatchObject({
      source: 'camera',
      objectC: 38,
      value: 100.4,
      unit: 'fahrenheit',
      abnormal: true,
    });
  });
});

describe('bad pushes get a 4xx with a reason, a device error and a health change; nothing crashes', () => {
  const xml = { 'content-type': 'text/xml', 'x-camera-secret': SECRET };
  it.each([
    ['unknown camera', '/cameras/no-such-camera', Buffer.from('<a/>'), xml, 404, /no camera/],
    [
      'wrong secret',
      '/cameras/east-1-plate?secret=guess',
      fixture('hikvision-anpr.xml'),
      { 'content-type': 'text/xml' },
      401,
      /wrong secret/,
    ],
    [
      'no secret',
      '/cameras/east-1-plate',
      fixture('hikvision-anpr.xml'),
      { 'content-type': 'text/xml' },
      401,
      /without the secret/,
    ],
    [
      'source not allowed',
      '/cameras/east-2-plate',
      fixture('hikvision-anpr.xml'),
      { 'content-type': 'text/xml' },
      403,
      /allow list/,
    ],
    [
      'malformed XML',
      '/cameras/east-1-plate',
      Buffer.from('<EventNotificationAlert><eventType>ANPR'),
      xml,
      400,
      /well-formed/,
    ],
    [
      'malformed JSON',
      '/cameras/east-1-plate',
      Buffer.from('{"plate": "浙A'),
      { ...xml, 'content-type': 'application/json' },
      400,
      /JSON/,
    ],
    [
      'plate of nothing',
      '/cameras/east-1-plate',
      Buffer.from('{"plate": "noPlate"}'),
      { ...xml, 'content-type': 'application/json' },
      422,
      /normalises to nothing/,
    ],
    [
      'wrong content type',
      '/cameras/east-1-plate',
      Buffer.from('x'),
      { ...xml, 'content-type': 'image/png' },
      415,
      /XML, JSON or multipart/,
    ],
  ])('%s', async (_name, path, body, headers, status, reason) => {
    const before = stored('plate-sighting').length;
    const r = await push(path, body, headers);
    expect(r.status).toBe(status);
    expect(r.reason).toMatch(reason);
    expect(stored('plate-sighting')).toHaveLength(before);
  });

  it('a body over the cap is refused while it streams, and holds no memory while it does', async () => {
    const baseline = await heldBytes();
    let midway = Number.NaN;
    // 6 MiB into a 7 MiB multipart push (the cap is 2 MiB), the client waits: what does the
    // gateway hold? (A bare document has its own, smaller budget: test/hostile/camera-push.test.ts.)
    const r = await push(
      '/cameras/east-1-plate',
      {
        size: 7 * 1024 * 1024,
        pauseAt: 6 * 1024 * 1024,
        paused: async () => {
          await new Promise((res) => setTimeout(res, 100));
          midway = (await heldBytes()) - baseline;
        },
      },
      { ...xml, 'content-type': 'multipart/form-data; boundary=MIME_boundary_7c1f3e2a' },
    );
    expect(r.status).toBe(413);
    expect(r.reason).toMatch(/maxBodyBytes/);
    // Nothing of the body is kept once over the cap: far less than the cap, let alone 6 MiB.
    expect(midway).toBeLessThan(1024 * 1024);
  });

  it('each refusal is a device-error record, the camera degraded, unknown pushes on the gateway stream', async () => {
    const errors = await until(() => {
      const rows = stored('device-error');
      return rows.length >= 4 ? rows : undefined;
    });
    const kinds = errors.map((e) => `${e.stream} ${e.data.device} ${e.data.kind} ${e.data.errorCode}`);
    expect(kinds).toContain('gateway camera-listener unknown-camera 240');
    expect(kinds).toContain('lane/east-1 plate-camera wrong-secret 240');
    expect(kinds).toContain('lane/east-2 plate-camera source-not-allowed 240');
    expect(kinds).toContain('lane/east-1 plate-camera malformed 241');
    const degraded = await until(() =>
      messages.find(
        (m) =>
          m.topic === 'gatepost/demo/lane/east-1/device/plate-camera/health' &&
          m.payload.state === 'degraded',
      ),
    );
    expect(degraded.payload.reason).toMatch(/not good/);
    // And the listener still takes a good push.
    const ok = await push('/cameras/west-1-plate', Buffer.from('{"plate": "川A99999", "colour": "blue"}'), {
      'content-type': 'application/json',
    });
    expect(ok.status).toBe(200);
  });
});
