import type { Aedes } from 'aedes';
import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * The embedded broker's clients and message flow, from Aedes' events: connected clients,
 * connections, subscriptions, and PUBLISHes received (from clients, and the broker's own `$SYS`
 * and wills), with their payload bytes. Aedes has no event per delivery, so fan-out is not
 * counted; the rate of received messages is what `rate()` shows.
 */
export class BrokerMetrics {
  private readonly received: Counter<'source'>;
  private readonly receivedBytes: Counter<'source'>;
  private readonly connections: Counter;
  private readonly subscriptions: Counter;
  private aedes: Aedes | undefined;
  private off: (() => void) | undefined;

  constructor(registry: Registry) {
    const registers = [registry];
    const broker = () => this.aedes;
    new Gauge({
      name: 'gatepost_broker_clients',
      help: 'MQTT clients connected to the embedded broker',
      registers,
      collect() {
        this.set(broker()?.connectedClients ?? 0);
      },
    });
    this.connections = new Counter({
      name: 'gatepost_broker_connections_total',
      help: 'MQTT connections accepted by the embedded broker',
      registers,
    });
    this.subscriptions = new Counter({
      name: 'gatepost_broker_subscriptions_total',
      help: 'Subscriptions made (one per topic filter)',
      registers,
    });
    this.received = new Counter({
      name: 'gatepost_broker_messages_received_total',
      help: 'PUBLISHes received by the embedded broker: from clients, or from the broker itself ($SYS, wills)',
      labelNames: ['source'],
      registers,
    });
    this.receivedBytes = new Counter({
      name: 'gatepost_broker_received_bytes_total',
      help: 'Payload bytes of the PUBLISHes received',
      labelNames: ['source'],
      registers,
    });
  }

  /** Listens to a broker's events until `unwatch()` (or the next `watch`). */
  watch(aedes: Aedes): () => void {
    this.off?.();
    this.aedes = aedes;
    const onPublish = (packet: { payload?: unknown }, client: unknown) => {
      const source = client ? 'client' : 'broker';
      this.received.inc({ source });
      const p = packet.payload;
      const bytes = typeof p === 'string' ? Buffer.byteLength(p) : p instanceof Uint8Array ? p.length : 0;
      if (bytes > 0) this.receivedBytes.inc({ source }, bytes);
    };
    const onClient = () => this.connections.inc();
    const onSubscribe = (subs: unknown[]) => this.subscriptions.inc(subs.length);
    aedes.on('publish', onPublish);
    aedes.on('clientReady', onClient);
    aedes.on('subscribe', onSubscribe);
    this.off = () => {
      aedes.off('publish', onPublish);
      aedes.off('clientReady', onClient);
      aedes.off('subscribe', onSubscribe);
      this.aedes = undefined;
      this.off = undefined;
    };
    return this.off;
  }
}
