import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../core/logger.ts';

/**
 * What the broker refused, counted (and exported to Prometheus when given a registry), and
 * logged at most LOG_BURST times a minute per kind, so a client hammering the broker cannot fill
 * the disk with log lines; what was not logged is summed up in the next line that is.
 */
export type RefusalKind =
  /** CONNECT refused: no or wrong credentials, bad token, client id or session not allowed. */
  | 'connect'
  /** A socket refused or closed before its CONNECT for want of a slot, or idle past its CONNECT window. */
  | 'connection'
  /** PUBLISH (or a will) on a topic the role may not use; the connection is closed. */
  | 'publish'
  /** SUBSCRIBE to a filter the role may not read, or over the subscription limit; SUBACK 0x80. */
  | 'subscribe'
  /** Packet over maxPacketBytes, broken length, or not CONNECT first; the connection is closed. */
  | 'packet'
  /** Protocol errors the MQTT parser or Aedes found (malformed packets, timeouts). */
  | 'protocol'
  /** Input held back because a client went over maxPacketsPerSecond. */
  | 'throttle'
  /** A client that did not read what it was sent within slowClientTimeoutMs, disconnected. */
  | 'slow';

const KINDS: readonly RefusalKind[] = [
  'connect',
  'connection',
  'publish',
  'subscribe',
  'packet',
  'protocol',
  'throttle',
  'slow',
];
const LOG_BURST = 20;
const LOG_WINDOW_MS = 60_000;

export class SecurityCounters {
  private readonly counts = new Map<RefusalKind, number>(KINDS.map((k) => [k, 0]));
  private readonly logWindow = new Map<RefusalKind, { start: number; logged: number; suppressed: number }>();
  private readonly prom: Counter | undefined;

  constructor(
    private readonly log: Logger,
    registry?: Registry,
  ) {
    this.prom = registry
      ? new Counter({
          name: 'gatepost_broker_refusals_total',
          help: 'Connections, packets, publishes and subscriptions the broker refused or held back, by kind',
          labelNames: ['kind'],
          registers: [registry],
        })
      : undefined;
  }

  /** Counts one refusal and logs it (at warn) unless this kind has logged too much this minute. */
  refuse(kind: RefusalKind, fields: Record<string, unknown>, msg: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    this.prom?.inc({ kind });
    const now = Date.now();
    let w = this.logWindow.get(kind);
    if (!w || now - w.start >= LOG_WINDOW_MS) {
      w = { start: now, logged: 0, suppressed: w?.suppressed ?? 0 };
      this.logWindow.set(kind, w);
    }
    if (w.logged >= LOG_BURST) {
      w.suppressed++;
      return;
    }
    w.logged++;
    const suppressed = w.suppressed;
    w.suppressed = 0;
    this.log.warn({ refusal: kind, ...fields, ...(suppressed ? { notLogged: suppressed } : {}) }, msg);
  }

  /** Refusals so far, by kind. */
  snapshot(): Record<RefusalKind, number> {
    return Object.fromEntries(KINDS.map((k) => [k, this.counts.get(k) ?? 0])) as Record<RefusalKind, number>;
  }
}
