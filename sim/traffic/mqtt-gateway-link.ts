import mqtt, { type MqttClient } from 'mqtt';
import { z } from 'zod';
import type { SiteConfig } from '../../site-config/schema.ts';
import type { DecisionSeen, GatewayLink, LaneStaff, YardStaff } from './gateway-link.ts';

/**
 * The traffic's view of a gateway over its MQTT broker: decisions from
 * `gatepost/<site>/lane/+/decision`, the yard coordinator's requests
 * (`gatepost/<site>/yard/request/<action>`, replies on `.../yard/response/<action>` matched by
 * `transaction`) and the kiosk staff's override of a lane's transit
 * (`gatepost/<site>/lane/<lane>/request/override`, replies on `.../lane/<lane>/response/override`). Its own small schemas read only the fields it needs: sim/ does not import the
 * gateway's MQTT code, so that the simulator cannot share a bug with what it tests.
 * Connects in the background and keeps reconnecting, so it can start before the broker does.
 */
export interface MqttGatewayLinkOptions {
  /** e.g. `mqtt://127.0.0.1:1883`. */
  url: string;
  site: string;
  username?: string;
  password?: string;
  /** The yard staff id requests are made under (a coordinator's user name when the broker wants one). */
  staffId: string;
  /** The kiosk staff id lane requests are made under (default `sim-kiosk`). */
  laneStaffId?: string;
  /** How long a yard request waits for its reply (real ms). */
  requestTimeoutMs?: number;
}

const DecisionRecord = z.object({
  data: z.object({
    lane: z.string(),
    transitId: z.string(),
    outcome: z.enum(['PASS', 'YARD', 'ISOLATE', 'REVIEW']),
    plate: z.string().optional(),
    bay: z.string().optional(),
    reasons: z
      .array(z.object({ code: z.string().max(64) }))
      .max(64)
      .optional(),
  }),
});

const YardResponse = z.object({
  transaction: z.string(),
  status: z.enum(['ok', 'error']),
  data: z.unknown().optional(),
  error: z.string().optional(),
});

const ChangedBays = z.object({ bays: z.array(z.object({ bay: z.string(), truck: z.unknown().optional() })) });

type Reply = z.infer<typeof YardResponse>;

/** Largest payload this link parses; anything bigger is ignored. */
const MAX_PAYLOAD = 256 * 1024;

export class MqttGatewayLink implements GatewayLink {
  readonly staff: YardStaff;
  readonly laneStaff: LaneStaff;
  private readonly client: MqttClient;
  private readonly listeners = new Set<(d: DecisionSeen) => void>();
  private readonly pending = new Map<
    string,
    { resolve: (r: Reply | undefined) => void; timer: NodeJS.Timeout }
  >();
  private transactions = 0;
  private readonly prefix: string;

  constructor(private readonly options: MqttGatewayLinkOptions) {
    this.prefix = `gatepost/${options.site}`;
    this.client = mqtt.connect(options.url, {
      clientId: `gatepost-sim-${options.site}-${process.pid}`,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      clean: true,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
    });
    this.client.on('error', () => undefined); // refused while the broker is not up yet: it retries
    this.client.on('connect', () => {
      this.client.subscribe(
        [
          `${this.prefix}/lane/+/decision`,
          `${this.prefix}/yard/response/+`,
          `${this.prefix}/lane/+/response/+`,
        ],
        { qos: 0 },
      );
    });
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload));
    this.staff = {
      sample: async (bay, kind = 'antigen') => (await this.request('sample', { bay, kind }))?.status === 'ok',
      result: async (bay, result, kind = 'antigen') =>
        (await this.request('result', { bay, kind, result }))?.status === 'ok',
      moveToIsolation: async (bay) => {
        const reply = await this.request('move', {
          from: bay,
          toZoneKind: 'isolation',
          reason: 'positive antigen test',
        });
        if (reply?.status !== 'ok') return undefined;
        const changed = ChangedBays.safeParse(reply.data);
        return changed.success
          ? changed.data.bays.find((b) => b.bay !== bay && b.truck !== undefined)?.bay
          : undefined;
      },
      release: async (bay, reason) => (await this.request('release', { bay, reason }))?.status === 'ok',
      unblock: async (bay) => (await this.request('unblock', { bay }))?.status === 'ok',
    };
    this.laneStaff = {
      decide: async (lane, outcome, reason) =>
        (
          await this.request(
            'override',
            { outcome, reason },
            `lane/${lane}`,
            this.options.laneStaffId ?? 'sim-kiosk',
          )
        )?.status === 'ok',
    };
  }

  get connected(): boolean {
    return this.client.connected;
  }

  onDecision(listener: (d: DecisionSeen) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.resolve(undefined);
    }
    this.pending.clear();
    await this.client.endAsync(true);
  }

  /** A request on `<prefix>/<to>/request/<action>` (the yard's by default) and its reply. */
  private request(
    action: string,
    data: Record<string, unknown>,
    to = 'yard',
    staffId = this.options.staffId,
  ): Promise<Reply | undefined> {
    if (!this.client.connected) return Promise.resolve(undefined);
    const transaction = `sim-${process.pid}-${++this.transactions}`;
    const body = JSON.stringify({ transaction, staffId, data });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        resolve(undefined);
      }, this.options.requestTimeoutMs ?? 5000);
      this.pending.set(transaction, { resolve, timer });
      this.client.publish(`${this.prefix}/${to}/request/${action}`, body, { qos: 1 }, (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(transaction);
        resolve(undefined);
      });
    });
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (payload.length > MAX_PAYLOAD) return;
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    if (topic.endsWith('/decision')) {
      const record = DecisionRecord.safeParse(json);
      if (!record.success) return;
      const { lane, transitId, outcome, plate, bay, reasons } = record.data.data;
      const d: DecisionSeen = { lane, transitId, outcome };
      if (reasons !== undefined) d.reasons = reasons.map((r) => r.code);
      if (plate !== undefined) d.plate = plate;
      if (bay !== undefined) d.bay = bay;
      for (const l of this.listeners) {
        try {
          l(d);
        } catch {
          // one failing listener must not take the link down
        }
      }
      return;
    }
    const reply = YardResponse.safeParse(json);
    if (!reply.success) return;
    const waiting = this.pending.get(reply.data.transaction);
    if (!waiting) return;
    this.pending.delete(reply.data.transaction);
    clearTimeout(waiting.timer);
    waiting.resolve(reply.data);
  }
}

/** The broker a site's gateway uses: its `broker.url`, else the embedded broker's TCP listener on this box. */
export function brokerUrlOf(config: SiteConfig): string | undefined {
  if (config.broker.url) return config.broker.url;
  if (!config.broker.tcp.enabled) return undefined;
  return `mqtt://127.0.0.1:${config.broker.tcp.port}`;
}
