import type { AedesOptions } from 'aedes';

/**
 * Protocol limits per client. The packet size cap is enforced ahead of the MQTT parser
 * (packet-guard.ts); topic depth and in-flight QoS 2 by Aedes before any side effect; the
 * subscription count and the packet rate by the broker's security layer.
 */
export interface BrokerLimits {
  /** Topic levels in a PUBLISH topic or SUBSCRIBE filter (Aedes cannot go above 100). */
  maxTopicDepth: number;
  maxSubscriptionsPerClient: number;
  /** Inbound QoS 2 PUBLISHes awaiting their PUBREL; one more closes the connection. */
  maxInflightPerClient: number;
  /** Average requests (PUBLISH, SUBSCRIBE, UNSUBSCRIBE, PINGREQ) a second from one client of a throttled role; more are read later. */
  maxPacketsPerSecond: number;
  /** Open connections of the broker, all listeners together (connection-slots.ts). */
  maxConnections: number;
  /** Open connections from one address. */
  maxConnectionsPerAddress: number;
  /** A connection that sends no CONNECT within this is closed (sooner as the slots fill up). */
  connectTimeoutMs: number;
  /** A client that does not read what it is sent for this long is disconnected. */
  slowClientTimeoutMs: number;
}

export const DEFAULT_MAX_PACKET_BYTES = 256 * 1024;

export const DEFAULT_LIMITS: BrokerLimits = {
  maxTopicDepth: 16,
  maxSubscriptionsPerClient: 64,
  maxInflightPerClient: 100,
  maxPacketsPerSecond: 50,
  maxConnections: 500,
  maxConnectionsPerAddress: 64,
  connectTimeoutMs: 10_000,
  slowClientTimeoutMs: 10_000,
};

/**
 * Client ids of more characters (Unicode code points, so at most 512 bytes of UTF-8) than this
 * are refused with CONNACK 2 (MQTT 3.1.1 lets a server choose; 23 must be allowed).
 */
export const MAX_CLIENT_ID_LENGTH = 128;

/** The limits Aedes applies itself. */
export function aedesLimitOptions(l: BrokerLimits): AedesOptions {
  return {
    maxTopicLevels: Math.min(Math.max(l.maxTopicDepth, 1), 100),
    maxInflightInbound: l.maxInflightPerClient,
    connectTimeout: l.connectTimeoutMs,
    drainTimeout: l.slowClientTimeoutMs,
  };
}
