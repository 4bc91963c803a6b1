import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { SiteConfig } from '../config/schema.ts';

export type UplinkConfig = SiteConfig['uplink'];

/**
 * mqtt.js options for one connection attempt to the central broker: a stable client id with a
 * persistent session (`clean: false`), no automatic reconnect (the uplink runs its own capped
 * exponential backoff), TLS files read afresh each time so renewed certificates are picked up.
 */
export function uplinkClientOptions(cfg: UplinkConfig, site: string): IClientOptions {
  const o: IClientOptions = {
    clientId: cfg.clientId ?? `gatepost-${site}`,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: cfg.connectTimeoutMs,
    keepalive: cfg.keepaliveSeconds,
    resubscribe: false,
    queueQoSZero: false,
    rejectUnauthorized: cfg.rejectUnauthorized,
  };
  if (cfg.username !== undefined) o.username = cfg.username;
  if (cfg.password !== undefined) o.password = cfg.password;
  if (cfg.caFile) o.ca = readFileSync(cfg.caFile);
  if (cfg.certFile) o.cert = readFileSync(cfg.certFile);
  if (cfg.keyFile) o.key = readFileSync(cfg.keyFile);
  return o;
}

/** The URL without user and password, for logs and the status topic. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}
