import type { Redis } from 'ioredis';
import type { BrokerLog } from './broker-log.ts';

/**
 * Whether a cluster node's shared bus (its Redis connections: publish, subscribe, persistence)
 * is up. Every publish travels through Redis, even to a subscriber on the same node, and every
 * session lives there: while any of the three connections is not ready, what a client publishes
 * would be acknowledged and never delivered, and a CONNECT would wait on its session forever.
 * The broker asks this before it accepts either (embedded-broker.ts), and the change is logged
 * once each way and shown by `gatepost_broker_cluster_bus_up`.
 */
export class ClusterBus {
  private readonly waiters = new Set<() => void>();
  private readonly listeners = new Set<(up: boolean) => void>();
  private wasUp = false;
  /** Once up the first time: a node still starting is not "down". */
  private started = false;

  constructor(
    private readonly conns: readonly Redis[],
    private readonly where: string,
    private readonly log: BrokerLog,
  ) {
    for (const c of conns) {
      for (const event of ['ready', 'close', 'end', 'error', 'reconnecting'] as const) {
        c.on(event, () => this.update());
      }
    }
  }

  /** Every connection is ready. */
  get up(): boolean {
    return this.conns.every((c) => c.status === 'ready');
  }

  /** Resolves true as soon as the bus is up, false if it is not within `ms`. */
  whenUp(ms: number): Promise<boolean> {
    if (this.up) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve(this.up);
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  /** Calls `fn` on every change (up or down); returns how to stop. */
  onChange(fn: (up: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private update(): void {
    const up = this.up;
    if (up === this.wasUp) return;
    this.wasUp = up;
    if (up) {
      if (this.started) {
        this.log.info(
          { redis: this.where },
          'cluster: shared bus up again; publishes and connections accepted',
        );
      }
      this.started = true;
      for (const w of [...this.waiters]) w();
    } else if (this.started) {
      this.log.error(
        { redis: this.where },
        'cluster: shared bus down (Redis); publishes are held, then their clients disconnected unacknowledged, and new connections get CONNACK 3 until it is back',
      );
    }
    for (const l of this.listeners) l(up);
  }
}
