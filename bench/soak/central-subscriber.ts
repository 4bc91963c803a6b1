import mqtt, { type MqttClient } from 'mqtt';
import { z } from 'zod';

/** What the central side reads of a forwarded record: its id (the uplink's envelope keeps it). */
const Envelope = z.object({ id: z.string().min(1).max(64) }).passthrough();

/** Largest payload the subscriber parses. */
const MAX_PAYLOAD = 256 * 1024;

/**
 * The central office at the soak's Mosquitto: a persistent QoS 1 session (clean: false, a fixed
 * client id) subscribed to every site's lane decisions, so that what the uplink sends while the
 * subscriber is away is queued for it, and an outage loses nothing it should see. Counts
 * distinct record ids (QoS 1 may deliver twice).
 */
export class CentralSubscriber {
  private readonly client: MqttClient;
  private readonly decisionIds = new Set<string>();
  private unreadable = 0;

  constructor(url: string) {
    this.client = mqtt.connect(url, {
      clientId: 'gatepost-soak-central',
      clean: false,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
    });
    this.client.on('error', () => undefined); // refused while the broker is down: it retries
    this.client.on('connect', (ack) => {
      if (!ack.sessionPresent) this.client.subscribe('gatepost/+/lane/+/decision', { qos: 1 });
    });
    this.client.on('message', (_topic, payload) => {
      if (payload.length > MAX_PAYLOAD) return;
      try {
        const env = Envelope.safeParse(JSON.parse(payload.toString('utf8')));
        if (env.success) this.decisionIds.add(env.data.id);
        else this.unreadable++;
      } catch {
        this.unreadable++;
      }
    });
  }

  /** Resolves once connected and subscribed (or after `timeoutMs`). */
  async ready(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.client.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  get decisions(): number {
    return this.decisionIds.size;
  }

  get unreadableMessages(): number {
    return this.unreadable;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
