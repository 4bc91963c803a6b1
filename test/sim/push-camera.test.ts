import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ScaledClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { decodeBody } from '../../devices/camera/body-text.ts';
import { virtualGpioChip } from '../../devices/gpio/virtual-chip.ts';
import { InProcessSerialHub } from '../../devices/serial/in-process-hub.ts';
import { type Gateway, startGateway } from '../../gateway/app.ts';
import { anprXml, gbkEncode } from '../../sim/devices/camera/camera-bodies.ts';
import { SimPushCamera } from '../../sim/devices/camera/push-camera.ts';
import { parseConfig } from '../../site-config/load.ts';

const SECRET = 'sim-camera-secret-0001';
let gateway: Gateway;
let dbPath: string;
let plateCam: SimPushCamera;
let thermalCam: SimPushCamera;

beforeAll(async () => {
  const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
  raw.broker.tcp = { host: '127.0.0.1', port: 0 };
  raw.broker.websocket = { host: '127.0.0.1', port: 0 };
  raw.web = { enabled: false };
  raw.ops = { enabled: false };
  dbPath = join(mkdtempSync(join(tmpdir(), 'gatepost-simcam-')), 'gatepost.db');
  raw.storage = { path: dbPath };
  raw.simulation = { enabled: false };
  raw.cameras = {
    enabled: true,
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes: 256 * 1024,
    plate: [{ id: 'west-2-plate', lane: 'west-2', secret: SECRET }],
    thermal: [{ id: 'west-2-thermal', lane: 'west-2', secret: SECRET }],
  };
  gateway = await startGateway({
    config: parseConfig(raw),
    clock: new ScaledClock(1),
    log: silentLogger(),
    serial: new InProcessSerialHub(),
    gpio: virtualGpioChip,
  });
  const baseUrl = `http://127.0.0.1:${gateway.cameras?.listener.port}`;
  plateCam = new SimPushCamera({ baseUrl, id: 'west-2-plate', secret: SECRET, maxBodyBytes: 256 * 1024 });
  thermalCam = new SimPushCamera({ baseUrl, id: 'west-2-thermal', secret: SECRET });
}, 30_000);

afterAll(async () => {
  await gateway?.stop();
});

function sightings(): string[] {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    return (
      db.prepare("SELECT data FROM records WHERE type = 'plate-sighting' ORDER BY seq").all() as {
        data: string;
      }[]
    ).map((r) => JSON.parse(r.data).plate);
  } finally {
    db.close();
  }
}

describe('simulated push cameras', () => {
  it('GBK bytes made by the simulator decode back to the text', () => {
    const text = '粤B12345 车道二 黄绿双拼色';
    expect(new TextDecoder('gbk').decode(gbkEncode(text))).toBe(text);
    expect(
      decodeBody(
        anprXml({ plate: '京A12345', colour: 'blue', confidence: 90, at: new Date(), encoding: 'gbk' }),
      )?.encoding,
    ).toBe('gbk');
  });

  it('a read, a duplicate, a GBK read, a misread and a late push reach the lane as the camera would send them', async () => {
    expect(await plateCam.pushPlate('浙A12345', 'yellow', 'read')).toBe(200);
    expect(await plateCam.pushPlate('浙A12345', 'yellow', 'duplicate')).toBe(200);
    expect(await plateCam.pushPlate('粤B12345', 'yellow', 'gbk')).toBe(200);
    expect(await plateCam.pushPlate('川D88888', 'blue', 'misread')).toBe(200);
    expect(await plateCam.pushPlate('苏E55555', 'yellow-green', 'late')).toBe(200);
    const seen = sightings();
    expect(seen).toEqual(['浙A12345', '粤B12345', '川D8888B', '苏E55555']);
  });

  it('faults: malformed and oversized pushes are refused, an offline camera sends nothing', async () => {
    const before = sightings().length;
    expect(await plateCam.pushPlate('闽C11111', 'blue', 'malformed')).toBe(400);
    expect(await plateCam.pushPlate('闽C11111', 'blue', 'oversized')).toBe(413);
    expect(await plateCam.pushPlate('闽C11111', 'blue', 'offline')).toBe(0);
    expect(sightings()).toHaveLength(before);
  });

  it('a thermal camera pushes °F and °C body temperatures', async () => {
    expect(await thermalCam.pushTemperature(38, 'fahrenheit')).toBe(200);
    expect(await thermalCam.pushTemperature(36.6, 'celsius')).toBe(200);
    const db = new BetterSqlite3(dbPath, { readonly: true });
    const rows = db
      .prepare("SELECT data FROM records WHERE type = 'camera-temperature' ORDER BY seq")
      .all() as { data: string }[];
    db.close();
    expect(rows.map((r) => JSON.parse(r.data).objectC)).toEqual([38, 36.6]);
  });
});
