import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfigFile } from '../../site-config/load.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import { freePort } from '../../test/support/mosquitto.ts';
import { ROOT } from '../support/child.ts';

/** The soak's site config, committed: retention shortened and said so in its header. */
export const SOAK_CONFIG = 'config/soak.yaml';

export interface RealtimeSoakSite {
  dir: string;
  /** The site config (JSON) the gateway and the simulator read. */
  configFile: string;
  config: SiteConfig;
  brokerUrl: string;
  opsUrl: string;
  storePath: string;
  trustListPath: string;
}

/**
 * config/soak.yaml made runnable in a temp dir: serial paths become PTY links there, the store
 * and the trust list live there, the gateway's broker and ops listener get free loopback ports,
 * and the uplink points at the central broker the harness started (`uplinkUrl`).
 */
export async function prepareRealtimeSoakSite(uplinkUrl: string): Promise<RealtimeSoakSite> {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-soak-rt-'));
  const raw = parseYaml(readFileSync(resolve(ROOT, SOAK_CONFIG), 'utf8')) as Record<string, any>;
  mkdirSync(join(dir, 'dev'), { recursive: true });
  const brokerPort = await freePort();
  const opsPort = await freePort();
  raw.broker = { ...raw.broker, tcp: { host: '127.0.0.1', port: brokerPort } };
  raw.ops = { ...raw.ops, host: '127.0.0.1', port: opsPort };
  raw.uplink = { ...raw.uplink, enabled: true, url: uplinkUrl };
  const storePath = join(dir, 'gatepost.db');
  const trustListPath = join(dir, 'trust-list.json');
  raw.storage = { ...raw.storage, path: storePath };
  raw.passes = { ...raw.passes, trustListPath };
  const devPath = (p: string) => join(dir, 'dev', p.split('/').pop() ?? p);
  for (const lane of [...raw.checkpoints.flatMap((c: any) => c.lanes), ...raw.yard.exitLanes]) {
    for (const d of Object.values(lane.devices) as any[]) if (d.port) d.port.path = devPath(d.port.path);
  }
  for (const bus of raw.yard.baySensorBuses) bus.port.path = devPath(bus.port.path);
  const configFile = join(dir, 'site.json');
  writeFileSync(configFile, JSON.stringify(raw, null, 2));
  return {
    dir,
    configFile,
    config: loadConfigFile(configFile),
    brokerUrl: `mqtt://127.0.0.1:${brokerPort}`,
    opsUrl: `http://127.0.0.1:${opsPort}`,
    storePath,
    trustListPath,
  };
}
