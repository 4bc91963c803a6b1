import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign } from 'jose';
import mqtt, { type MqttClient } from 'mqtt';
import { expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ScaledClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { VirtualGpioChip } from '../../devices/gpio/virtual-chip.ts';
import { type Gateway, startGateway } from '../../gateway/app.ts';
import { SimulatedSite } from '../../sim/site.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import { ed25519SigningKey } from './ed25519-keys.ts';

/**
 * The demo config for a gateway in this process on its simulated devices (in-process): a broker
 * on a free loopback port, no pages, the store and the trust list in a fresh temp dir (prefix),
 * as a plain object to tweak before parseConfig.
 */
export function inProcessDemoConfig(prefix: string): { dir: string; raw: Record<string, any> } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
  raw.broker = { tcp: { host: '127.0.0.1', port: 0 }, websocket: { enabled: false } };
  raw.web = { enabled: false };
  raw.storage = { path: join(dir, 'gatepost.db') };
  raw.passes = { trustListPath: join(dir, 'trust.json') };
  raw.simulation = { enabled: true, attach: 'in-process' };
  return { dir, raw };
}

/** The real gateway in this process on the simulated devices of its config, and a client on its broker. */
export interface SimGateway {
  gateway: Gateway;
  site: SimulatedSite;
  client: MqttClient;
  /** Every message on `gatepost/<site>/lane/#`, its body parsed. */
  messages: { topic: string; body: any }[];
  /** A GP1 pass with these claims, signed by the key the trust list holds. */
  sign: (claims: Record<string, unknown>) => Promise<string>;
  clock: ScaledClock;
  stop(): Promise<void>;
}

/**
 * Starts the simulated site of `config` in process (serial hub, virtual GPIO chips) on a clock at
 * `scale`, writes a trust list with one fresh Ed25519 key, starts the gateway on them and
 * resolves once every lane device is online.
 */
export async function startSimGateway(config: SiteConfig, scale: number): Promise<SimGateway> {
  const key = ed25519SigningKey();
  const jwk = { ...key.publicJwk, kid: 'sim-1', alg: 'EdDSA' };
  writeFileSync(config.passes.trustListPath ?? '', JSON.stringify({ keys: [jwk] }));

  const clock = new ScaledClock(scale);
  const chips = new Map<string, VirtualGpioChip>();
  const gpio = (name: string) => chips.get(name) ?? chips.set(name, new VirtualGpioChip(name)).get(name)!;
  const site = new SimulatedSite(config, { attach: 'in-process', clock, gpioChip: gpio });
  await site.start();
  const hub = site.hub;
  if (!hub) throw new Error('the in-process site has a serial hub');
  const gateway = await startGateway({ config, clock, log: silentLogger(), serial: hub, gpio });
  const client = await mqtt.connectAsync(gateway.brokerUrl);
  const messages: SimGateway['messages'] = [];
  client.on('message', (topic, payload) => messages.push({ topic, body: JSON.parse(payload.toString()) }));
  await client.subscribeAsync(`gatepost/${config.site.id}/lane/#`, { qos: 1 });
  const sign = async (claims: Record<string, unknown>) => {
    const now = Math.floor(clock.now() / 1000);
    const jws = await new CompactSign(
      new TextEncoder().encode(JSON.stringify({ iat: now - 60, exp: now + 86_400, ...claims })),
    )
      .setProtectedHeader({ alg: 'EdDSA', kid: 'sim-1' })
      .sign(key.privateKey);
    return `GP1:${jws}`;
  };
  const stop = async () => {
    await client.endAsync();
    await gateway.stop();
    await site.stop();
  };
  try {
    await expect
      .poll(
        () =>
          [...gateway.lanes.values()].every((l) =>
            Object.values(l.state().devices).every((s) => s === 'online'),
          ),
        { timeout: 10_000 },
      )
      .toBe(true);
  } catch (e) {
    await stop();
    throw e;
  }
  return { gateway, site, client, messages, sign, clock, stop };
}
