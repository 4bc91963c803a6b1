import type { BrokerLog } from './broker-log.ts';

/**
 * What the broker refused, counted (broker-series.ts exports them to Prometheus), and
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
  private readonly logWindow = new Map<RefusalKind, { start: number; logged: number; suppressed: number }>();
  /** The kinds refused so far, in the order first refused (as the series shows them). */
  private readonly refused = new Map<RefusalKind, number>();

  constructor(private readonly log: BrokerLog) {}

  /** Counts one refusal and logs it (at warn) unless this kind has logged too much this minute. */
  refuse(kind: RefusalKind, fields: Record<string, unknown>, msg: string): void {
    this.refused.set(kind, (this.refused.get(kind) ?? 0) + 1);
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
    return Object.fromEntries(KINDS.map((k) => [k, this.refused.get(k) ?? 0])) as Record<RefusalKind, number>;
  }

  /** The kinds refused at least once, in the order first refused (broker-series.ts). */
  series(): Partial<Record<RefusalKind, number>> {
    return Object.fromEntries(this.refused);
  }
}
