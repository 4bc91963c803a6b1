import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import { virtualGpioChip } from '../devices/gpio/virtual-chip.ts';
import { InProcessSerialHub } from '../devices/serial/in-process-hub.ts';
import { startGateway } from '../gateway/app.ts';
import { anprMultipart, anprXml } from '../sim/devices/camera/camera-bodies.ts';
import { parseConfig } from '../site-config/load.ts';
import { percentile, round } from './support/stats.ts';

/**
 * Plate camera (issue 23): from the start of a camera's push (a new connection, a multipart
 * ANPR push with anpr.xml and two pictures, ~63 KB) to its 200, which the listener sends only
 * once the sighting is committed to the store (fsynced). The gateway runs in this process on
 * the demo config with every lane's camera pushing at once, each plate new (every push a commit).
 */
export interface PlateCameraBenchFigures {
  plate_push_to_committed_p50_ms: number;
  plate_push_to_committed_p99_ms: number;
  plate_push_to_committed_max_ms: number;
  plate_pushes_per_s: number;
}

export const PLATE_CAMERA_BENCH_CONDITIONS =
  "in-process gateway on the demo config (no simulated traffic), a plate camera on each of its 4 lanes; 100 pushes per camera, the 4 cameras pushing at the same time with 50 ms between one camera's pushes; each push a new connection with a multipart Hikvision ANPR body (anpr.xml and two pictures, ~63 KB) of a new plate; latency from opening the push to its 200 (after the commit)";

function post(port: number, path: string, body: Buffer, contentType: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': contentType },
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - t0)
            : reject(new Error(`status ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function plateCameraBench(perCamera = 100): Promise<PlateCameraBenchFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-plate-bench-'));
  const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
  raw.broker.tcp = { host: '127.0.0.1', port: 0 };
  raw.broker.websocket = { host: '127.0.0.1', port: 0 };
  raw.web = { enabled: false };
  raw.ops = { enabled: false };
  raw.storage = { path: join(dir, 'gatepost.db') };
  raw.simulation = { enabled: false };
  const lanes = ['east-1', 'east-2', 'west-1', 'west-2'];
  raw.cameras = {
    enabled: true,
    host: '127.0.0.1',
    port: 0,
    plate: lanes.map((lane) => ({ id: `${lane}-plate`, lane, allow: ['127.0.0.1'] })),
  };
  const gateway = await startGateway({
    config: parseConfig(raw),
    clock: systemClock,
    log: silentLogger(),
    serial: new InProcessSerialHub(),
    gpio: virtualGpioChip,
  });
  try {
    const port = gateway.cameras?.listener.port ?? 0;
    const latencies: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      lanes.map(async (lane, l) => {
        for (let i = 0; i < perCamera; i++) {
          const xml = anprXml({
            plate: `晋${'ABCD'[l]}${String(10000 + i)}`,
            colour: 'yellow',
            confidence: 95,
            at: new Date(),
          });
          const { body, contentType } = anprMultipart(xml);
          latencies.push(await post(port, `/cameras/${lane}-plate`, body, contentType));
          await new Promise((r) => setTimeout(r, 50));
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      plate_push_to_committed_p50_ms: round(percentile(latencies, 50), 2),
      plate_push_to_committed_p99_ms: round(percentile(latencies, 99), 2),
      plate_push_to_committed_max_ms: round(latencies.at(-1) ?? 0, 2),
      plate_pushes_per_s: round(latencies.length / seconds, 1),
    };
  } finally {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
