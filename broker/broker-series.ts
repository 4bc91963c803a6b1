import { Counter, Gauge, Registry } from 'prom-client';
import type { BrokerCountsSnapshot } from './broker-counts.ts';

/**
 * The embedded broker's Prometheus series (docs/operations.md), from its plain counts
 * (broker-counts.ts): made on the gateway's thread, so the broker's thread loads no prom-client.
 * `read` is called at each collection; the cluster gauge exists only if its first read has one.
 */
export function registerBrokerSeries(registry: Registry, read: () => BrokerCountsSnapshot): void {
  const registers = [registry];
  new Gauge({
    name: 'gatepost_broker_clients',
    help: 'MQTT clients connected to the embedded broker',
    registers,
    collect() {
      this.set(read().clients);
    },
  });
  new Counter({
    name: 'gatepost_broker_connections_total',
    help: 'MQTT connections accepted by the embedded broker',
    registers,
    collect() {
      setCounter(this, read().connections);
    },
  });
  new Counter({
    name: 'gatepost_broker_subscriptions_total',
    help: 'Subscriptions made (one per topic filter)',
    registers,
    collect() {
      setCounter(this, read().subscriptions);
    },
  });
  new Counter({
    name: 'gatepost_broker_messages_received_total',
    help: 'PUBLISHes received by the embedded broker: from clients, or from the broker itself ($SYS, wills)',
    labelNames: ['source'],
    registers,
    collect() {
      setLabelled(this, 'source', read().received);
    },
  });
  new Counter({
    name: 'gatepost_broker_received_bytes_total',
    help: 'Payload bytes of the PUBLISHes received',
    labelNames: ['source'],
    registers,
    collect() {
      setLabelled(this, 'source', read().receivedBytes);
    },
  });
  new Counter({
    name: 'gatepost_broker_refusals_total',
    help: 'Connections, packets, publishes and subscriptions the broker refused or held back, by kind',
    labelNames: ['kind'],
    registers,
    collect() {
      setLabelled(this, 'kind', read().refusals);
    },
  });
  if (read().clusterBusUp !== undefined)
    new Gauge({
      name: 'gatepost_broker_cluster_bus_up',
      help: "1 while this cluster node's Redis connections are all up; 0 while publishes are held and CONNECTs refused",
      registers,
      collect() {
        this.set(read().clusterBusUp ?? 0);
      },
    });
}

/** The series of one snapshot, as Prometheus' exposition text. */
export function brokerMetricsText(snapshot: BrokerCountsSnapshot): Promise<string> {
  const registry = new Registry();
  registerBrokerSeries(registry, () => snapshot);
  return registry.metrics();
}

function setCounter(c: Counter, value: number): void {
  c.reset();
  if (value > 0) c.inc(value);
}

/** A labelled series shows once it has counted (as a counter only ever increased would). */
function setLabelled<L extends string>(
  c: Counter<L>,
  label: L,
  values: Partial<Record<string, number>>,
): void {
  c.reset();
  for (const [v, n] of Object.entries(values))
    if (n !== undefined && n > 0) c.inc({ [label]: v } as Partial<Record<L, string>>, n);
}
