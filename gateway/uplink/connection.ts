import type { MqttClient } from 'mqtt';
import { Backoff } from '../../core/backoff.ts';
import { ErrorCode, errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { type UplinkConfig, uplinkClientOptions } from './client-options.ts';
import { connectMetered } from './metered-socket.ts';

/** A connection that lasted this long resets the backoff when it drops. */
const STABLE_MS = 10_000;

export interface UplinkConnectionOptions {
  config: UplinkConfig;
  site: string;
  /** The URL without credentials, for logs. */
  url: string;
  log: Logger;
  /** The connection is up: `client` may publish until `onDown`. */
  onUp(client: MqttClient): void;
  /** The connection is gone (`wasUp` false: an attempt failed); anything in flight is void. */
  onDown(wasUp: boolean): void;
  /** A new attempt is scheduled. */
  onRetry?(): void;
  /** Jitter source of the backoff (tests fix it). */
  random?: () => number;
  /**
   * The largest packet read from the central broker (client-options.ts inboundPacketBudget): a
   * larger one drops the connection before its body is read (metered-socket.ts).
   */
  maxInboundPacketBytes: number;
  /**
   * A packet over the budget or malformed: a PUBLISH skipped unread, or anything else refused
   * and its connection dropped (a new attempt follows with the backoff).
   */
  onRefused?(): void;
  /** Filters subscribed (QoS 1) on every connection: the downlink's (gateway/downlink/). */
  subscriptions?: readonly string[];
  /**
   * Each message received; its PUBACK is sent, and the next message read, only once the
   * returned promise settles (mqtt.js's handleMessage), so nothing is acknowledged unhandled.
   */
  onMessage?(topic: string, payload: Buffer, dup: boolean): Promise<void>;
  /**
   * A message over the packet budget, skipped unread: its topic (at most its first 256 bytes)
   * and its size, so that the downlink can answer it (a `too-large` ack). Its PUBACK does not
   * wait for this.
   */
  onSkippedMessage?(topic: string, declaredBytes: number, maxPacketBytes: number): void;
}

/**
 * The uplink's connection to the central broker: one fresh mqtt.js client per attempt (stable
 * client id, persistent session; see client-options.ts), mqtt.js's own fixed-interval reconnect
 * off, attempts spaced by capped exponential backoff with jitter. `gen` counts connections:
 * a publish callback from an older one is to be ignored.
 */
export class UplinkConnection {
  private readonly backoff: Backoff;
  private client: MqttClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private up = false;
  private upAt = 0;
  private stopping = false;
  /** Changes whenever a connection ends: callbacks of older clients no longer count. */
  gen = 0;
  attempts = 0;
  /** Packets over the budget or malformed: PUBLISHes skipped, others refused with their connection. */
  refusedPackets = 0;
  lastError: string | undefined;

  constructor(private readonly o: UplinkConnectionOptions) {
    this.backoff = new Backoff({
      initialMs: o.config.reconnectMinMs,
      maxMs: o.config.reconnectMaxMs,
      ...(o.random ? { random: o.random } : {}),
    });
  }

  get connected(): boolean {
    return this.up;
  }

  /** The client while connected. */
  get current(): MqttClient | undefined {
    return this.up ? this.client : undefined;
  }

  start(): void {
    this.connect();
  }

  /** Ends the current connection (as if it had dropped): a new attempt follows. */
  drop(reason: string): void {
    this.lastError = reason;
    this.client?.end(true);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    this.gen++;
    this.up = false;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    }
  }

  private connect(): void {
    this.timer = undefined;
    if (this.stopping) return;
    const gen = ++this.gen;
    let client: MqttClient;
    /** QoS 1 messages over the budget: mqtt.js gets them with no payload, to acknowledge in turn. */
    const skippedIds = new Set<number>();
    try {
      client = connectMetered(
        this.o.config.url,
        uplinkClientOptions(this.o.config, this.o.site),
        this.o.maxInboundPacketBytes,
        {
          onSkipped: (skipped, maxPacketBytes) => {
            if (gen !== this.gen) return;
            this.refusedPackets++;
            if (skipped.packetId !== undefined) skippedIds.add(skipped.packetId);
            this.o.log.error(
              { errorCode: ErrorCode.UplinkPacketRefused, url: this.o.url, ...skipped, maxPacketBytes },
              'uplink: the central broker sent a message over the budget; skipped unread (acknowledged if QoS 1)',
            );
            this.o.onRefused?.();
            this.o.onSkippedMessage?.(skipped.topic, skipped.declaredBytes, maxPacketBytes);
          },
          onRefused: (refusal, err) => {
            if (gen !== this.gen) return;
            this.refusedPackets++;
            this.lastError = err.message;
            this.o.log.error(
              {
                errorCode: err.code,
                url: this.o.url,
                reason: refusal.reason,
                packetType: refusal.packetType,
                declaredBytes: refusal.declaredBytes,
                maxPacketBytes: refusal.maxPacketBytes,
                socketBytesRead: refusal.socketBytesRead,
              },
              'uplink: the central broker sent a packet the uplink refuses; connection dropped before reading it',
            );
            this.o.onRefused?.();
          },
        },
      );
    } catch (err) {
      // A bad URL or an unreadable TLS file: keep trying, someone may fix it.
      this.lastError = errorMessage(err);
      this.o.log.error({ err: this.lastError, url: this.o.url }, 'uplink cannot connect');
      this.retry();
      return;
    }
    this.client = client;
    const onMessage = this.o.onMessage;
    if (onMessage) {
      // Set before the CONNACK: a persistent session's queued messages follow it at once.
      client.handleMessage = (packet, done) => {
        if (packet.qos === 1 && packet.messageId !== undefined && skippedIds.delete(packet.messageId)) {
          done();
          return;
        }
        const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
        onMessage(packet.topic, payload, packet.dup === true).then(
          () => done(),
          () => done(),
        );
      };
    }
    client.on('connect', () => {
      if (gen !== this.gen) return;
      this.up = true;
      this.upAt = performance.now();
      this.lastError = undefined;
      this.o.log.info({ url: this.o.url, attempts: this.backoff.attempts }, 'uplink connected');
      this.o.onUp(client);
      this.subscribe(client, gen);
    });
    client.on('error', (err) => {
      if (gen !== this.gen) return;
      this.lastError = err.message;
      this.o.log.debug({ err: err.message, url: this.o.url }, 'uplink error');
    });
    client.on('close', () => {
      if (gen !== this.gen) return;
      const wasUp = this.up;
      this.up = false;
      this.gen++;
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end(true);
      if (this.client === client) this.client = undefined;
      if (wasUp) {
        if (performance.now() - this.upAt >= STABLE_MS) this.backoff.reset();
        this.o.log.warn({ url: this.o.url, err: this.lastError }, 'uplink lost; records wait in the store');
      }
      this.o.onDown(wasUp);
      this.retry();
    });
  }

  /** Subscribes again on each connection (the session keeps them, but a new session would not). */
  private subscribe(client: MqttClient, gen: number): void {
    const filters = this.o.subscriptions ?? [];
    if (filters.length === 0) return;
    client.subscribe(
      filters.map((f) => f),
      { qos: 1 },
      (err, granted) => {
        if (gen !== this.gen) return;
        const refused = (granted ?? []).filter((g) => g.qos !== 1 && g.qos !== 0).map((g) => g.topic);
        if (err || refused.length > 0)
          this.o.log.error(
            { url: this.o.url, err: err?.message, refused },
            'uplink: the central broker refused a downlink subscription',
          );
      },
    );
  }

  private retry(): void {
    if (this.stopping || this.timer) return;
    const delay = this.backoff.next();
    this.attempts++;
    this.o.onRetry?.();
    this.o.log.debug({ delayMs: delay, attempt: this.backoff.attempts, err: this.lastError }, 'uplink retry');
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
