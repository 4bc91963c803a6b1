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

/**
 * What a PUBLISH adds to its payload, at most: the fixed header (1 byte and a Remaining Length of
 * up to 4), the topic (a 2-byte length and up to 65,535 bytes) and the packet identifier (2). So
 * a downlink envelope of downlink.maxEnvelopeBytes is never skipped for its topic, whatever it is.
 */
export const PUBLISH_OVERHEAD_BYTES = 1 + 4 + 2 + 65_535 + 2;

/**
 * Without the downlink the central broker sends the uplink only CONNACK, PUBACKs and PINGRESP
 * (a few bytes each); 1 MiB leaves room for a stray message of a session that once had the
 * downlink on.
 */
export const UPLINK_ONLY_MAX_PACKET_BYTES = 1024 * 1024;

/**
 * The largest packet the uplink reads from the central broker (gateway/uplink/inbound-packet-meter.ts):
 * MQTT 3.1.1 has no maximum packet size a client can ask for, so this is checked on each fixed
 * header as it arrives, before mqtt.js buffers the packet.
 */
export function inboundPacketBudget(downlinkMaxEnvelopeBytes: number | undefined): number {
  return downlinkMaxEnvelopeBytes === undefined
    ? UPLINK_ONLY_MAX_PACKET_BYTES
    : downlinkMaxEnvelopeBytes + PUBLISH_OVERHEAD_BYTES;
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
