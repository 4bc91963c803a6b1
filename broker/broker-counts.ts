import type { Aedes } from 'aedes';
import type { RefusalKind } from './counters.ts';

/** Who published: a client, or the broker itself (`$SYS`, wills). */
export type PublishSource = 'client' | 'broker';

/**
 * The embedded broker's series as plain numbers (broker-series.ts names them for Prometheus):
 * plain data, so the broker's thread sends them to the gateway's, which exposes them on its
 * /metrics. A labelled series is here once it has counted something, in the order first counted,
 * as prom-client shows it.
 */
export interface BrokerCountsSnapshot {
  /** MQTT clients connected now. */
  clients: number;
  connections: number;
  subscriptions: number;
  received: Partial<Record<PublishSource, number>>;
  receivedBytes: Partial<Record<PublishSource, number>>;
  refusals: Partial<Record<RefusalKind, number>>;
  /** Cluster mode only: 1 while the node's Redis connections are all up. */
  clusterBusUp?: 0 | 1;
}

/**
 * The embedded broker's clients and message flow, counted from Aedes' events: connections,
 * subscriptions, and PUBLISHes received (from clients, and the broker's own `$SYS` and wills),
 * with their payload bytes. Aedes has no event per delivery, so fan-out is not counted; the rate
 * of received messages is what `rate()` shows.
 */
export class BrokerCounts {
  private connections = 0;
  private subscriptions = 0;
  private readonly received = new Map<PublishSource, number>();
  private readonly receivedBytes = new Map<PublishSource, number>();
  private aedes: Aedes | undefined;
  private off: (() => void) | undefined;

  /** Listens to a broker's events until `unwatch()` (or the next `watch`). */
  watch(aedes: Aedes): () => void {
    this.off?.();
    this.aedes = aedes;
    const onPublish = (packet: { payload?: unknown }, client: unknown) => {
      const source: PublishSource = client ? 'client' : 'broker';
      this.received.set(source, (this.received.get(source) ?? 0) + 1);
      const p = packet.payload;
      const bytes = typeof p === 'string' ? Buffer.byteLength(p) : p instanceof Uint8Array ? p.length : 0;
      if (bytes > 0) this.receivedBytes.set(source, (this.receivedBytes.get(source) ?? 0) + bytes);
    };
    const onClient = () => {
      this.connections++;
    };
    const onSubscribe = (subs: unknown[]) => {
      this.subscriptions += subs.length;
    };
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

  unwatch(): void {
    this.off?.();
  }

  /** The counts so far (clients: connected now, 0 when not watching a broker). */
  snapshot(): Omit<BrokerCountsSnapshot, 'refusals' | 'clusterBusUp'> {
    return {
      clients: this.aedes?.connectedClients ?? 0,
      connections: this.connections,
      subscriptions: this.subscriptions,
      received: Object.fromEntries(this.received),
      receivedBytes: Object.fromEntries(this.receivedBytes),
    };
  }
}
