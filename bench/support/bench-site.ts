import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { freePort } from '../../test/support/mosquitto.ts';
import { ROOT } from './child.ts';

export interface BenchSite {
  dir: string;
  /** The site config (JSON) both processes read. */
  configFile: string;
  brokerUrl: string;
  opsUrl: string;
  /** With `pages`: the web pages' base URL (and the broker's WebSocket on for them). */
  webUrl?: string;
  /** With `cameras`: the plate cameras' push listener (a camera `<lane>-plate` per checkpoint lane). */
  cameraUrl?: string;
}

/**
 * The full demo site (config/demo.yaml: 4 entry lanes, the yard exit lane, 1,200 bays on 6
 * buses) for the process benches, in a temp dir: the serial paths become PTY links there, the
 * broker and the ops listener get free loopback ports, the web pages are off, the store and the
 * trust list live there too. `dir` may be given to start again on an existing store.
 */
export async function prepareBenchSite(
  dir = mkdtempSync(join(tmpdir(), 'gatepost-bench-')),
  o: { pages?: boolean; cameras?: boolean } = {},
): Promise<BenchSite> {
  const raw = parseYaml(readFileSync(resolve(ROOT, 'config/demo.yaml'), 'utf8')) as Record<string, any>;
  mkdirSync(join(dir, 'dev'), { recursive: true });
  const brokerPort = await freePort();
  const opsPort = await freePort();
  raw.broker = { ...raw.broker, tcp: { host: '127.0.0.1', port: brokerPort }, websocket: { enabled: false } };
  raw.web = { enabled: false };
  let webUrl: string | undefined;
  if (o.pages) {
    // The kiosks' and the yard map's pages, live over the broker's WebSocket (co-located load).
    const webPort = await freePort();
    raw.broker.websocket = { enabled: true, host: '127.0.0.1', port: await freePort(), path: '/mqtt' };
    raw.web = { enabled: true, host: '127.0.0.1', port: webPort };
    webUrl = `http://127.0.0.1:${webPort}`;
  }
  raw.ops = { enabled: true, host: '127.0.0.1', port: opsPort };
  raw.storage = { path: join(dir, 'gatepost.db') };
  raw.passes = { trustListPath: join(dir, 'trust-list.json') };
  raw.simulation = { enabled: false, attach: 'pty' };
  const devPath = (p: string) => join(dir, 'dev', p.split('/').pop() ?? p);
  for (const lane of [...raw.checkpoints.flatMap((c: any) => c.lanes), ...raw.yard.exitLanes]) {
    for (const d of Object.values(lane.devices) as any[]) if (d.port) d.port.path = devPath(d.port.path);
  }
  for (const bus of raw.yard.baySensorBuses) bus.port.path = devPath(bus.port.path);
  for (const printer of raw.printers ?? []) printer.path = devPath(printer.path);
  let cameraUrl: string | undefined;
  if (o.cameras) {
    // A plate camera on each checkpoint lane, pushing to the gateway's listener (issue 23).
    const cameraPort = await freePort();
    const lanes: string[] = raw.checkpoints.flatMap((c: any) => c.lanes.map((l: any) => l.id));
    raw.cameras = {
      enabled: true,
      host: '127.0.0.1',
      port: cameraPort,
      plate: lanes.map((lane) => ({ id: `${lane}-plate`, lane, allow: ['127.0.0.1'] })),
    };
    cameraUrl = `http://127.0.0.1:${cameraPort}`;
  }
  const configFile = join(dir, 'site.json');
  writeFileSync(configFile, JSON.stringify(raw, null, 2));
  return {
    dir,
    configFile,
    brokerUrl: `mqtt://127.0.0.1:${brokerPort}`,
    opsUrl: `http://127.0.0.1:${opsPort}`,
    ...(webUrl ? { webUrl } : {}),
    ...(cameraUrl ? { cameraUrl } : {}),
  };
}
