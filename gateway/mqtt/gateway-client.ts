import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { parseBoundedJson } from '../../core/bounded-json.ts';
import type { Clock } from '../../core/clock.ts';
import { ErrorCode, errorMessage, GatepostError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { GatewayState } from './gateway-payloads.ts';
import { topicFor } from './topics.ts';

export interface GatewayClientOptions {
  url: string;
  site: string;
  version: string;
  clock: Clock;
  log: Logger;
  username?: string;
  password?: string;
}

/** How long a stopping gateway waits to see its own `offline` come back from the broker. */
export const SHUTDOWN_ECHO_MS = 2000;

/**
 * The gateway's own connection to the local broker (embedded or external). It announces the
 * gateway `online` (retained) and leaves a last will of `offline`/`lost`, so any client sees the
 * gateway disappear. A clean `stop` replaces the will with `offline`/`shutdown`.
 *
 * After a reconnect it says `online`/`reconnected` and publishes the last payload of every other
 * retained topic again: the broker may have sent the will meanwhile, or be a restarted one that
 * holds nothing (the embedded broker keeps retained messages in memory), and a kiosk that
 * connects must still find each lane's state.
 */
export class GatewayClient {
  /** The last payload published to each retained topic (lane and device states, the yard's bays). */
  private readonly retained = new Map<string, string>();
  private readonly stateTopic: string;
  private stopping = false;
  /** Subscribed to its own state topic (the echo of its `offline` tells it the broker sent it on). */
  private watchingOwnState = false;
  /** Called when the echo of its own `offline`/`shutdown` comes back while stopping. */
  private onShutdownEcho: (() => void) | undefined;

  private constructor(
    private readonly client: MqttClient,
    private readonly opts: GatewayClientOptions,
  ) {
    this.stateTopic = topicFor('gatewayState', { site: opts.site });
    // The first connect came before this; every one after it is a reconnect. One while stopping
    // (the link dropped during the wait for the echo below) says `offline`/`shutdown` again: the
    // broker has sent the will meanwhile, and `online` would be the last word of a stopped gateway.
    client.on('connect', () => {
      if (!this.stopping) void this.republish();
      else void this.publishState('offline', 'shutdown').catch(() => undefined);
    });
  }

  static async connect(opts: GatewayClientOptions): Promise<GatewayClient> {
    const stateTopic = topicFor('gatewayState', { site: opts.site });
    const will: GatewayState = {
      state: 'offline',
      at: opts.clock.now(),
      reason: 'lost',
      version: opts.version,
    };
    const options: IClientOptions = {
      clientId: `gatepost-${opts.site}-gateway`,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      will: { topic: stateTopic, payload: Buffer.from(JSON.stringify(will)), qos: 1, retain: true },
      ...(opts.username ? { username: opts.username, password: opts.password } : {}),
    };
    const client = mqtt.connect(opts.url, options);
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
        setTimeout(
          () => reject(new GatepostError(ErrorCode.BrokerUnavailable, 'no answer within 5 s')),
          5000,
        ).unref();
      });
    } catch (e) {
      client.end(true);
      throw new GatepostError(
        ErrorCode.UplinkFailed,
        `cannot connect to the local broker at ${opts.url}: ${errorMessage(e)}`,
      );
    }
    client.on('error', (err) => opts.log.warn({ err: err.message }, 'local broker connection error'));
    client.on('offline', () => opts.log.warn('local broker connection lost; reconnecting'));
    const gc = new GatewayClient(client, opts);
    await gc.publishState('online', 'started');
    // A broker may publish this gateway's will late (in a cluster, a surviving node sends the
    // dead node's will some 30 s on): while connected, an `offline` that is not ours is answered.
    await gc
      .subscribe(gc.stateTopic, (_topic, payload) => gc.onOwnState(payload))
      .then(() => {
        gc.watchingOwnState = true;
      })
      .catch((err: unknown) => opts.log.warn({ err: errorMessage(err) }, 'own state topic not watched'));
    return gc;
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Publishes a JSON payload at QoS 1; resolves when the broker has it (PUBACK). */
  publish(topic: string, payload: unknown, retain = false): Promise<void> {
    let text: string;
    try {
      text = JSON.stringify(payload);
    } catch (e) {
      return Promise.reject(e); // not JSON (a cycle, a BigInt): the caller's catch hears it
    }
    if (retain) this.retained.set(topic, text);
    return this.send(topic, text, retain);
  }

  /** How many retained topics would be published again after a reconnect. */
  get retainedTopics(): number {
    return this.retained.size;
  }

  private send(topic: string, text: string, retain: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.publish(topic, text, { qos: 1, retain }, (err) => (err ? reject(err) : resolve()));
    });
  }

  private onOwnState(payload: Buffer): void {
    if (!this.client.connected) return;
    // Anyone allowed to publish here could send anything: a state is a small flat object.
    const parsed = parseBoundedJson(payload, { maxBytes: 4096, maxDepth: 2 });
    if (!parsed.ok || (parsed.value as Partial<GatewayState> | null)?.state !== 'offline') return;
    if (this.stopping) {
      if ((parsed.value as Partial<GatewayState>).reason === 'shutdown') this.onShutdownEcho?.();
      return;
    }
    this.opts.log.warn('the broker says this gateway is offline while it is connected: online again');
    this.publishState('online', 'reconnected').catch((err: unknown) =>
      this.opts.log.warn({ err: errorMessage(err) }, 'online state not published'),
    );
  }

  private async republish(): Promise<void> {
    const again = [...this.retained].filter(([topic]) => topic !== this.stateTopic);
    this.opts.log.info({ topics: again.length }, 'local broker reconnected: retained state published again');
    try {
      // All handed to the client in this turn, so that a payload published after them (newer)
      // also goes out after them.
      await Promise.all([
        this.publishState('online', 'reconnected'),
        ...again.map(([topic, text]) => this.send(topic, text, true)),
      ]);
    } catch (err) {
      this.opts.log.warn({ err: errorMessage(err) }, 'retained state not published again');
    }
  }

  /** Subscribes and hands each message's topic and raw payload to `onMessage`. */
  async subscribe(filter: string, onMessage: (topic: string, payload: Buffer) => void): Promise<void> {
    this.client.on('message', (topic, payload) => {
      if (topicMatches(filter, topic)) onMessage(topic, payload);
    });
    await this.client.subscribeAsync(filter, { qos: 1 });
  }

  private publishState(state: GatewayState['state'], reason: GatewayState['reason']): Promise<void> {
    const payload: GatewayState = { state, at: this.opts.clock.now(), reason, version: this.opts.version };
    return this.publish(this.stateTopic, payload, true);
  }

  /**
   * Publishes the clean `offline` state and disconnects (the will is not sent). Aedes answers a
   * QoS 1 PUBLISH (PUBACK) before it hands the message on, so an embedded broker closed right
   * after the PUBACK dropped it (seen on a loaded box: subscribers kept `online`). The gateway
   * watches its own state topic, so it waits for its `offline` to come back from the broker (at
   * most SHUTDOWN_ECHO_MS): the broker has then sent it to every subscriber.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.client.connected) {
      let timer: NodeJS.Timeout | undefined;
      let lost: (() => void) | undefined;
      const echoed = this.watchingOwnState
        ? new Promise<void>((resolve) => {
            this.onShutdownEcho = resolve;
            // The link dropped: no echo will come on this connection.
            lost = resolve;
            this.client.once('close', lost);
            timer = setTimeout(() => {
              this.opts.log.warn(
                { waitedMs: SHUTDOWN_ECHO_MS },
                'own offline state not seen back from the broker; disconnecting anyway',
              );
              resolve();
            }, SHUTDOWN_ECHO_MS);
          })
        : undefined;
      await this.publishState('offline', 'shutdown').then(
        () => echoed,
        () => undefined,
      );
      clearTimeout(timer);
      if (lost) this.client.off('close', lost);
      this.onShutdownEcho = undefined;
    }
    await this.client.endAsync();
  }
}

/** MQTT filter matching with `+` and `#`. */
function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
