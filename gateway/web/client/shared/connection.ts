import mqtt, { type MqttClient } from 'mqtt';
import { Backoff } from '../../../../core/backoff.ts';

/**
 * The page's MQTT connection to the broker's WebSocket listener. It reconnects by itself with
 * capped exponential backoff and jitter (a new client each attempt, so a refreshed token is
 * used), subscribes again after each connect, and reports whether what the page shows is live
 * or stale, since when. Subscriptions are QoS 0: the state topics are retained and whole, and
 * QoS 1 would make the page send one PUBACK per bay (the broker holds staff screens to a packet
 * rate). Requests go out at QoS 1.
 */
export type LinkState = 'connecting' | 'live' | 'stale' | 'refused';

export interface LinkStatus {
  state: LinkState;
  /** When the page last had live data (stale), or came live (live). */
  since: number;
  attempts: number;
  error?: string;
  /** Filters the broker refused (SUBACK 0x80): the page cannot show them with this account. */
  denied: ReadonlySet<string>;
}

export interface Credentials {
  username?: string;
  password?: string;
}

export interface ConnectionOptions {
  url: string;
  clientIdPrefix: string;
  subscriptions: readonly string[];
  credentials: () => Credentials;
  onMessage: (topic: string, payload: Uint8Array) => void;
  onStatus: (status: LinkStatus) => void;
  /** The broker refused the credentials (CONNACK 4 or 5): resolve true to try again (a fresh token). */
  onRefused: (code: number) => Promise<boolean>;
  backoff?: { initialMs: number; maxMs: number };
}

/** What the page was handed, for the benchmarks: messages, the time spent in onMessage, the last one's arrival. */
export interface DeliveryStats {
  messages: number;
  /** Milliseconds spent in onMessage (the router: parse, schema check and the pages' handlers). */
  handlerMs: number;
  /** performance.now() of the last message handed on. */
  lastAt: number;
}

const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

export class Connection {
  private client: MqttClient | undefined;
  private readonly backoff: Backoff;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private refusedCode: number | undefined;
  private current: LinkStatus = { state: 'connecting', since: Date.now(), attempts: 0, denied: new Set() };
  readonly delivery: DeliveryStats = { messages: 0, handlerMs: 0, lastAt: 0 };

  constructor(private readonly o: ConnectionOptions) {
    this.backoff = new Backoff(o.backoff ?? { initialMs: 500, maxMs: 10_000 });
  }

  get status(): LinkStatus {
    return this.current;
  }

  start(): void {
    this.stopped = false;
    this.attempt();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.client?.end(true);
    this.client = undefined;
  }

  /** Publishes at QoS 1; rejects when not connected or when the broker does not take it. */
  publish(topic: string, payload: string): Promise<void> {
    const c = this.client;
    if (!c?.connected) return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) =>
      c.publish(topic, payload, { qos: 1 }, (err) => (err ? reject(err) : resolve())),
    );
  }

  private attempt(): void {
    if (this.stopped) return;
    const creds = this.o.credentials();
    const client = mqtt.connect(this.o.url, {
      clientId: `${this.o.clientIdPrefix}-${randomSuffix()}`,
      ...(creds.username !== undefined ? { username: creds.username } : {}),
      ...(creds.password !== undefined ? { password: creds.password } : {}),
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 8_000,
      keepalive: 15,
      resubscribe: false,
    });
    this.client = client;
    this.refusedCode = undefined;
    this.set({ attempts: this.current.attempts + 1 });

    client.on('connect', () => {
      if (client !== this.client) return;
      // One SUBSCRIBE per filter: a filter this account may not read (SUBACK 0x80) is noted and
      // shown as such, and does not take the others down with it.
      const denied = new Set<string>();
      let left = this.o.subscriptions.length + 1;
      const done = () => {
        if (--left > 0 || client !== this.client) return;
        this.backoff.reset();
        this.set({ state: 'live', since: Date.now(), attempts: 0, denied, error: undefined });
      };
      for (const filter of this.o.subscriptions) {
        client.subscribe(filter, { qos: 0 }, (err) => {
          if (err) denied.add(filter);
          done();
        });
      }
      done();
    });
    client.on('message', (topic, payload) => {
      if (client !== this.client) return;
      const t0 = performance.now();
      this.o.onMessage(topic, payload);
      const t1 = performance.now();
      this.delivery.messages++;
      this.delivery.handlerMs += t1 - t0;
      this.delivery.lastAt = t1;
    });
    client.on('error', (err) => {
      if (client !== this.client) return;
      const code = (err as { code?: unknown }).code;
      if (code === BAD_CREDENTIALS || code === NOT_AUTHORIZED) this.refusedCode = code;
      console.warn(`gatepost: broker connection: ${err.message}`);
      this.set({ error: err.message });
    });
    client.on('close', () => {
      if (client !== this.client) return;
      client.end(true);
      this.client = undefined;
      if (this.stopped) return;
      if (this.current.state === 'live' || this.current.state === 'connecting') {
        this.set({ state: 'stale', since: this.current.state === 'live' ? Date.now() : this.current.since });
      }
      const refused = this.refusedCode;
      if (refused !== undefined) {
        this.o.onRefused(refused).then(
          (retry) => {
            if (retry) this.schedule(200);
            else this.set({ state: 'refused' });
          },
          () => this.set({ state: 'refused' }),
        );
        return;
      }
      this.schedule(this.backoff.next());
    });
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.attempt(), ms);
  }

  private set(patch: Partial<LinkStatus>): void {
    this.current = { ...this.current, ...patch };
    this.o.onStatus(this.current);
  }
}

function randomSuffix(): string {
  const b = new Uint8Array(6);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** The broker's WebSocket URL: the config's, or this host at the broker's port. */
export function brokerUrl(mqttInfo: { url?: string; port?: number; tlsPort?: number; path: string }): string {
  if (mqttInfo.url) return mqttInfo.url;
  const secure = location.protocol === 'https:' && mqttInfo.tlsPort !== undefined;
  const port = secure ? mqttInfo.tlsPort : mqttInfo.port;
  const host = location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname;
  return `${secure ? 'wss' : 'ws'}://${host}:${port ?? 9001}${mqttInfo.path}`;
}
