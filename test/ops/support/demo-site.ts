import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ScaledClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import { VirtualGpioChip } from '../../../devices/gpio/virtual-chip.ts';
import { type Gateway, startGateway } from '../../../gateway/app.ts';
import { PassMint } from '../../../sim/passes/pass-mint.ts';
import { writeTrustList } from '../../../sim/passes/trust-list-writer.ts';
import { SimulatedSite } from '../../../sim/site.ts';
import { parseConfig } from '../../../site-config/load.ts';

/** Device state 4× faster (arm travel, thermometer settling); wire timing stays real. */
export const SCALE = 4;

export interface DemoSite {
  gateway: Gateway;
  site: SimulatedSite;
  clock: ScaledClock;
  mint: PassMint;
  /** The ops listener, e.g. http://127.0.0.1:41234. */
  opsUrl: string;
  stop(): Promise<void>;
}

/**
 * The demo config's lanes and one bay sensor bus, the real gateway with its ops listener on a
 * free port, the simulated devices in-process on fresh virtual GPIO chips, and a trust list for
 * the pass mint's passes. Everything in a temp dir, removed by `stop()`.
 */
export async function startDemoSite(tweak: (raw: Record<string, any>) => void = () => {}): Promise<DemoSite> {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-ops-'));
  const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
  raw.broker = { tcp: { host: '127.0.0.1', port: 0 }, websocket: { enabled: false } };
  raw.web = { enabled: false };
  raw.ops = { enabled: true, host: '127.0.0.1', port: 0 };
  raw.storage = { path: join(dir, 'gatepost.db') };
  raw.passes = { trustListPath: join(dir, 'trust.json') };
  raw.simulation = { enabled: true, attach: 'in-process' };
  raw.yard.baySensorBuses = raw.yard.baySensorBuses.slice(0, 1);
  raw.checkpoints = raw.checkpoints.map((cp: any) => ({
    ...cp,
    lanes: cp.lanes.map((lane: any) => ({ ...lane, decisionTimeoutMs: 8_000 * SCALE })),
  }));
  tweak(raw);
  const config = parseConfig(raw);

  const clock = new ScaledClock(SCALE);
  const mint = new PassMint({ seed: 7, now: () => clock.now() });
  await writeTrustList(join(dir, 'trust.json'), mint.trustList());
  const chips = new Map<string, VirtualGpioChip>();
  const gpio = (name: string) => chips.get(name) ?? chips.set(name, new VirtualGpioChip(name)).get(name)!;
  const site = new SimulatedSite(config, { attach: 'in-process', clock, gpioChip: gpio });
  await site.start();
  let gateway: Gateway;
  try {
    gateway = await startGateway({ config, clock, log: silentLogger(), serial: site.hub!, gpio });
  } catch (e) {
    await site.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const server = gateway.ops.server;
  if (!server) throw new Error('the ops listener did not start');
  return {
    gateway,
    site,
    clock,
    mint,
    opsUrl: server.url,
    async stop() {
      await gateway.stop();
      await site.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One sample of a scrape: `name{a="1",b="2"}` → value. */
export type Scrape = Map<string, number>;

/** Parses the Prometheus text format (no timestamps, no escapes in label values needed here). */
export function parseMetrics(text: string): Scrape {
  const out: Scrape = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels = (m[2] ?? '').slice(1, -1).split(',').filter(Boolean).sort().join(',');
    out.set(labels ? `${m[1]}{${labels}}` : (m[1] ?? ''), Number(m[3]));
  }
  return out;
}

/** The key of a series in a Scrape: labels sorted by name. */
export function series(name: string, labels: Record<string, string> = {}): string {
  const parts = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}

export async function scrape(opsUrl: string): Promise<Scrape> {
  const res = await fetch(`${opsUrl}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parseMetrics(await res.text());
}
