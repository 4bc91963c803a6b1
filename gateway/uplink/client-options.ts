import type { IClientOptions } from 'mqtt';
import { ErrorCode, errorMessage, GatepostError } from '../../core/errors.ts';
import { readFileCapped } from '../../core/read-file-capped.ts';
import type { SiteConfig } from '../../site-config/schema.ts';

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
  if (cfg.caFile) o.ca = readPem(cfg.caFile, 'CA');
  if (cfg.certFile) o.cert = readPem(cfg.certFile, 'certificate');
  if (cfg.keyFile) o.key = readPem(cfg.keyFile, 'key');
  return o;
}

/** A CA bundle of every public CA is some 200 KiB. */
const MAX_PEM_BYTES = 1024 * 1024;

/**
 * Read on the event loop at each attempt: capped while reading and regular files only, so a
 * mistaken path (`/dev/zero`, a FIFO) is an error to retry on, never a read that holds the lanes.
 */
function readPem(file: string, what: string): Buffer {
  try {
    return readFileCapped(file, MAX_PEM_BYTES);
  } catch (e) {
    throw new GatepostError(
      ErrorCode.UplinkFailed,
      `cannot read the uplink TLS ${what} ${file}: ${errorMessage(e)}`,
    );
  }
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
