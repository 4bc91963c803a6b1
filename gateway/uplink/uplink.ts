import type { MqttClient } from 'mqtt';
import type { Registry } from 'prom-client';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { DownlinkConfigSchema } from '../../site-config/downlink-config.ts';
import type { UplinkStatus } from '../mqtt/gateway-payloads.ts';
import { topicFor } from '../mqtt/topics.ts';
import { envelopeJson, type Outbox, type OutboxRow } from '../store/outbox.ts';
import type { Reclaimer } from '../store/reclaimer.ts';
import type { CommittedBatch, RecordStore } from '../store/record-store.ts';
import type { StatusPublisher } from '../store/storage-alarms.ts';
import { inboundPacketBudget, safeUrl, type UplinkConfig } from './client-options.ts';
import { UplinkConnection } from './connection.ts';
import { TokenBucket } from './rate-limiter.ts';
import { StreamSender } from './stream-sender.ts';
import { UplinkMetrics } from './uplink-metrics.ts';

export interface UplinkOptions {
  config: UplinkConfig;
  site: string;
  store: RecordStore;
  outbox: Outbox;
  /** To hear of undelivered telemetry shed at the disk limit. */
  reclaimer?: Reclaimer;
  /** Record time, for the age of the backlog. */
  clock: Clock;
  log: Logger;
  /** Where the retained uplink status goes (the local broker client). */
  status?: StatusPublisher;
  registry?: Registry;
  /** Jitter source of the reconnect backoff (tests fix it). */
  random?: () => number;
  /** Reads the central office's downlink on this connection (gateway/downlink/downlink.ts). */
  downlink?: {
    filters(): string[];
    handle(topic: string, payload: Buffer, dup: boolean): Promise<void>;
    /** A message on its topics that the uplink skipped unread, over the packet budget. */
    refuseUnread(topic: string, declaredBytes: number, maxPacketBytes: number): Promise<void>;
  };
  /**
   * downlink.maxEnvelopeBytes, which sets the largest packet read from the central broker
   * (client-options.ts inboundPacketBudget); with a downlink and no value, the config's default.
   */
  downlinkMaxEnvelopeBytes?: number;
}

/** Records a stream may put in flight per round-robin turn. */
const TURN = 100;
/** Delivery cursors are written at most this often (each write is one small fsynced transaction). */
const CURSOR_FLUSH_MS = 100;
/** How long `stop` waits for PUBACKs of what is in flight. */
const STOP_GRACE_MS = 2000;

/**
 * Forwards every committed record to the central broker, at least once, in order per stream.
 *
 * - Each record is published with QoS 1 on `<topicPrefix>/<site>/<stream>/<type>`, payload the
 *   record envelope (its unique id lets the central side drop duplicates), from a client with a
 *   stable id and a persistent session.
 * - The outbox cursor of a stream moves only over records whose PUBACK came back.
 * - Streams take turns (round robin) and the in-flight window is bounded (`maxInFlight`), so a
 *   stream with a long backlog does not hold up the others.
 * - Backlog (records committed before the current connection came up) is replayed oldest first
 *   at `drainRatePerSecond` at most and may fill at most 80 % of the window; live records are
 *   not rate limited. Within one stream order wins: its live records follow its own backlog.
 * - Each connection attempt uses a fresh mqtt.js client and, when it drops, whatever was in
 *   flight is sent again from the outbox on the next connection (the same path as after a
 *   crash). mqtt.js's own reconnect is off; attempts are spaced by capped exponential backoff
 *   with jitter.
 */
export class Uplink {
  private readonly streams = new Map<string, StreamSender>();
  private readonly order: StreamSender[] = [];
  private readonly limiter: TokenBucket;
  private readonly maxBacklogInFlight: number;
  private readonly url: string;
  private readonly metrics: UplinkMetrics | undefined;
  private readonly unsubscribes: (() => void)[] = [];
  private readonly conn: UplinkConnection;
  private since: number | null = null;
  private rr = 0;
  private inFlight = 0;
  private backlogInFlight = 0;
  private pumpScheduled = false;
  private stopping = false;
  private deliveredTotal = 0;
  private lastAckAt = 0;
  private rate = { at: performance.now(), delivered: 0, value: 0 };
  private refillTimer: NodeJS.Timeout | undefined;
  private cursorTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: UplinkOptions) {
    const c = o.config;
    this.url = safeUrl(c.url);
    this.maxBacklogInFlight = Math.max(1, Math.floor(c.maxInFlight * 0.8));
    this.limiter = new TokenBucket(
      c.drainRatePerSecond,
      Math.max(1, Math.min(c.drainRatePerSecond / 10, TURN * 4)),
    );
    this.conn = new UplinkConnection({
      config: c,
      site: o.site,
      url: this.url,
      log: o.log,
      onUp: () => this.onUp(),
      onDown: (wasUp) => this.onDown(wasUp),
      onRetry: () => this.metrics?.reconnects.inc(),
      onRefused: () => this.metrics?.refusedPackets.inc(),
      maxInboundPacketBytes: inboundPacketBudget(
        o.downlink
          ? (o.downlinkMaxEnvelopeBytes ?? DownlinkConfigSchema.parse({}).maxEnvelopeBytes)
          : undefined,
      ),
      ...(o.random ? { random: o.random } : {}),
      ...(o.downlink
        ? {
            subscriptions: o.downlink.filters(),
            onMessage: (topic: string, payload: Buffer, dup: boolean) =>
              o.downlink?.handle(topic, payload, dup) ?? Promise.resolve(),
            onSkippedMessage: (topic: string, declaredBytes: number, maxPacketBytes: number) => {
              o.downlink?.refuseUnread(topic, declaredBytes, maxPacketBytes).catch((err: unknown) => {
                o.log.error({ err, topic }, 'downlink: the refusal of a skipped message failed');
              });
            },
          }
        : {}),
    });
    for (const s of o.outbox.streams()) {
      this.addStream(
        new StreamSender(s.stream, s.deliveredSeq, s.lastSeq, o.outbox.countAfter(s.stream, s.deliveredSeq)),
      );
    }
    this.unsubscribes.push(o.store.onCommit((b) => this.onCommitted(b)));
    if (o.reclaimer) {
      this.unsubscribes.push(
        o.reclaimer.onShed((ranges) => {
          for (const r of ranges) {
            const s = this.streams.get(r.stream);
            if (s) s.pending = Math.max(0, s.pending - r.count);
          }
        }),
      );
    }
    if (o.registry) this.metrics = new UplinkMetrics(o.registry, () => this.status());
  }

  start(): void {
    this.conn.start();
    this.statusTimer = setInterval(() => this.tick(), this.o.config.statusIntervalMs);
    this.statusTimer.unref();
    this.publishStatus();
  }

  get isConnected(): boolean {
    return this.conn.connected;
  }

  status(): UplinkStatus {
    let count = 0;
    let oldestAt: number | null = null;
    for (const s of this.order) {
      count += s.pending;
      if (s.pending === 0) continue;
      const at = this.o.outbox.oldestAfter(s.stream, s.delivered);
      if (at !== undefined && (oldestAt === null || at < oldestAt)) oldestAt = at;
    }
    const now = this.o.clock.now();
    return {
      connected: this.conn.connected,
      since: this.since,
      url: this.url,
      backlog: { count, oldestAt, ageMs: oldestAt === null ? null : Math.max(0, now - oldestAt) },
      inFlight: this.inFlight,
      drainRatePerSecond: Math.round(this.rate.value * 10) / 10,
      deliveredTotal: this.deliveredTotal,
      reconnects: this.conn.attempts,
      ...(this.conn.lastError ? { lastError: this.conn.lastError } : {}),
      at: now,
    };
  }

  /** Stops sending; waits briefly for PUBACKs in flight, saves the cursors, disconnects. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of [this.refillTimer, this.cursorTimer]) if (t) clearTimeout(t);
    if (this.statusTimer) clearInterval(this.statusTimer);
    for (const u of this.unsubscribes.splice(0)) u();
    const deadline = performance.now() + STOP_GRACE_MS;
    while (this.conn.connected && this.inFlight > 0 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await this.conn.stop();
    this.flushCursors();
    this.since = this.o.clock.now();
    await this.publishStatus();
  }

  private addStream(s: StreamSender): void {
    this.streams.set(s.stream, s);
    this.order.push(s);
  }

  // ---- connection ---------------------------------------------------------------------------

  private onUp(): void {
    this.lastAckAt = performance.now();
    this.since = this.o.clock.now();
    // Whatever is committed now is backlog for this connection; what comes later is live.
    for (const s of this.order) s.liveFrom = s.committed + 1;
    this.publishStatus();
    this.schedulePump();
  }

  private onDown(wasUp: boolean): void {
    // What was in flight goes again, from the outbox, on the next connection.
    for (const s of this.order) s.rewind();
    this.inFlight = 0;
    this.backlogInFlight = 0;
    this.flushCursors();
    if (wasUp) {
      this.since = this.o.clock.now();
      this.publishStatus();
    }
  }

  // ---- sending ------------------------------------------------------------------------------

  private onCommitted(batch: CommittedBatch): void {
    for (const r of batch.records) {
      let s = this.streams.get(r.stream);
      if (!s) {
        s = new StreamSender(r.stream, 0, 0, 0);
        this.addStream(s);
      }
      if (r.seq > s.committed) s.committed = r.seq;
      s.pending++;
    }
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const client = this.conn.current;
    if (!client || this.stopping) return;
    const max = this.o.config.maxInFlight;
    const n = this.order.length;
    let limited = false;
    let progress = true;
    while (progress && this.inFlight < max) {
      progress = false;
      for (let k = 0; k < n && this.inFlight < max; k++) {
        const s = this.order[(this.rr + k) % n];
        if (!s?.hasWork) continue;
        const backlog = s.inBacklog;
        let want = Math.min(TURN, max - this.inFlight);
        let toSeq = s.committed;
        if (backlog) {
          toSeq = s.liveFrom - 1;
          const tokens = this.limiter.available();
          want = Math.min(want, tokens, this.maxBacklogInFlight - this.backlogInFlight);
          if (tokens <= 0) limited = true;
          if (want <= 0) continue;
        }
        const rows = this.o.outbox.pending(s.stream, s.next, toSeq, want);
        progress = true;
        if (rows.length === 0) {
          s.next = toSeq + 1; // the rest of this range was reclaimed or shed
          continue;
        }
        for (const row of rows) this.send(client, s, row, backlog);
        if (backlog) this.limiter.take(rows.length);
      }
      this.rr = n > 0 ? (this.rr + 1) % n : 0;
    }
    if (limited && !this.refillTimer) {
      this.refillTimer = setTimeout(
        () => {
          this.refillTimer = undefined;
          this.pump();
        },
        Math.max(5, this.limiter.msUntil(Math.min(TURN, this.o.config.drainRatePerSecond))),
      );
    }
  }

  private send(client: MqttClient, s: StreamSender, row: OutboxRow, backlog: boolean): void {
    const gen = this.conn.gen;
    const seq = row.seq;
    s.sent(seq, backlog);
    this.inFlight++;
    if (backlog) this.backlogInFlight++;
    const topic = `${this.o.config.topicPrefix}/${this.o.site}/${row.stream}/${row.type}`;
    client.publish(topic, envelopeJson(this.o.site, row), { qos: 1 }, (err) =>
      this.onPublished(gen, s, seq, err),
    );
  }

  private onPublished(gen: number, s: StreamSender, seq: number, err: Error | undefined): void {
    if (gen !== this.conn.gen) return;
    if (err) {
      this.o.log.warn({ err: err.message, stream: s.stream, seq }, 'uplink publish failed; reconnecting');
      this.conn.drop(err.message);
      return;
    }
    const r = s.ack(seq);
    if (!r) return;
    this.inFlight--;
    if (r.backlog) this.backlogInFlight--;
    this.lastAckAt = performance.now();
    if (r.moved > 0) {
      this.deliveredTotal += r.moved;
      this.metrics?.delivered.inc(r.moved);
      if (!this.cursorTimer) {
        this.cursorTimer = setTimeout(() => {
          this.cursorTimer = undefined;
          this.flushCursors();
        }, CURSOR_FLUSH_MS);
      }
    }
    this.schedulePump();
  }

  private flushCursors(): void {
    const moved = new Map<string, number>();
    for (const s of this.order) if (s.delivered > s.persisted) moved.set(s.stream, s.delivered);
    if (moved.size === 0) return;
    try {
      this.o.outbox.markDelivered(moved, this.o.clock.now());
      for (const [stream, seq] of moved) {
        const s = this.streams.get(stream);
        if (s) s.persisted = seq;
      }
    } catch (err) {
      // Not fatal: the records stay pending and are sent again (same ids) later.
      this.o.log.error({ err }, 'cannot save the delivery cursors');
    }
  }

  // ---- status -------------------------------------------------------------------------------

  private tick(): void {
    const t = performance.now();
    const secs = (t - this.rate.at) / 1000;
    if (secs > 0) {
      this.rate = {
        at: t,
        delivered: this.deliveredTotal,
        value: (this.deliveredTotal - this.rate.delivered) / secs,
      };
    }
    if (this.conn.connected && this.inFlight > 0 && t - this.lastAckAt > this.o.config.ackTimeoutMs) {
      this.o.log.warn({ inFlight: this.inFlight }, 'uplink: no PUBACK for too long; reconnecting');
      this.conn.drop('ack timeout');
    }
    // Keep the pending counts exact where that is cheap (shed telemetry can skew them).
    for (const s of this.order) {
      if (s.pending < 50_000) s.pending = this.o.outbox.countAfter(s.stream, s.delivered);
    }
    this.publishStatus();
  }

  private async publishStatus(): Promise<void> {
    if (!this.o.status) return;
    try {
      await this.o.status.publish(topicFor('gatewayUplink', { site: this.o.site }), this.status(), true);
    } catch (err) {
      this.o.log.debug({ err }, 'uplink status not published');
    }
  }
}
