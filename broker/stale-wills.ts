import type { Aedes, Client, PublishPacket } from 'aedes';
import { errorMessage } from '../core/errors.ts';
import type { BrokerLog } from './broker-log.ts';

/**
 * Cluster mode: a client's last will must never overwrite what the client said after it.
 *
 * A will is published (a) by the node a client was connected to, when that connection ends
 * without DISCONNECT, also when it ends because the client id connected on another node
 * (a takeover), and (b) by any surviving node for the clients of a node that went silent, some
 * 20-35 s after. By then the client may well be connected again elsewhere and have said `online`:
 * its old will, retained `offline`, would stand until it said so again.
 *
 * Aedes also takes a node for dead until its first heartbeat, one beat after it started: a
 * will stored by a node that has just started (for a client that has just connected to it) could
 * be published by another node as a dead node's. So the wills of a node heard from (birth,
 * heartbeat, a client connecting) within three beats are left alone.
 *
 * A will is dropped (and its stored copy deleted) when its client has a newer connection:
 * - connected to this node now (another connection than the will's), or
 * - connected to another live node, as the nodes tell each other on `$SYS/<node>/new/clients`
 *   (the messages Aedes itself takes over sessions with; followed here from before the broker
 *   listens, so a takeover's will is judged after its `new/clients` is known), or
 * - for the wills of a silent node, with a will of its own stored under another live node
 *   (the shared persistence: a node that started after the client reconnected knows it this way).
 */
export interface WillStore {
  /** True when a will of this client is stored under one of these nodes. */
  hasWillUnder(clientId: string, nodeIds: string[]): Promise<boolean>;
  delWill(client: { id: string; brokerId: string }): Promise<unknown>;
  streamWill(brokers: Record<string, number>): AsyncIterable<StoredWill>;
}

export interface StoredWill extends PublishPacket {
  clientId: string;
  brokerId: string;
}

/** The parts of Aedes its types leave out: its clients by id, and its emitter. */
interface AedesInternals {
  clients: Record<string, Client | undefined>;
  mq: { on(topic: string, fn: (packet: { topic: string; payload: Buffer }, done: () => void) => void): void };
}

export class StaleWills {
  /** Client id -> the node it last connected to, from `$SYS/+/new/clients`. */
  private readonly liveOn = new Map<string, string>();
  /** Node id -> when it was last heard from (Date.now()). */
  private readonly heard = new Map<string, number>();
  private readonly clients: AedesInternals['clients'];

  constructor(
    private readonly aedes: Aedes,
    private readonly heartbeatMs: number,
    private readonly log: BrokerLog,
  ) {
    const internals = aedes as unknown as AedesInternals;
    this.clients = internals.clients;
    const mq = internals.mq;
    const hearFrom = (packet: { topic: string }) =>
      this.heard.set(packet.topic.split('/')[1] ?? '', Date.now());
    for (const beat of ['$SYS/+/birth', '$SYS/+/heartbeat']) {
      mq.on(beat, (packet, done) => {
        hearFrom(packet);
        done();
      });
    }
    mq.on('$SYS/+/new/clients', (packet, done) => {
      hearFrom(packet);
      this.liveOn.set(packet.payload.toString('utf8'), packet.topic.split('/')[1] ?? '');
      done();
    });
    mq.on('$SYS/+/disconnect/clients', (packet, done) => {
      const id = packet.payload.toString('utf8');
      if (this.liveOn.get(id) === packet.topic.split('/')[1]) this.liveOn.delete(id);
      done();
    });
  }

  /**
   * For a will a client of this node leaves as its connection ends: why it is stale, or undefined.
   * `client` is the connection the will belongs to.
   */
  staleOnClose(client: Client): string | undefined {
    const here = this.clients[client.id];
    if (here && here !== client && !here.closed) return 'the client is connected again to this node';
    const node = this.liveOn.get(client.id);
    if (node !== undefined && node !== this.aedes.id && this.isLive(node)) {
      return `the client is connected again, to node ${node}`;
    }
    return undefined;
  }

  /** Wraps the store's `streamWill` (the wills of silent nodes) to drop and delete the stale ones. */
  filter(store: WillStore): (brokers: Record<string, number>) => AsyncIterable<StoredWill> {
    const inner = store.streamWill.bind(store);
    const self = this;
    return async function* (brokers) {
      self.prune();
      for await (const will of inner(brokers)) {
        // A node that has just started, not yet in Aedes' list of live nodes: not dead.
        if (self.heardLately(will.brokerId)) continue;
        const why = await self.staleOfSilentNode(will, store);
        if (!why) {
          yield will;
          continue;
        }
        self.log.info(
          { clientId: will.clientId, node: will.brokerId, topic: will.topic, why },
          'cluster: stale will of a silent node dropped',
        );
        await store
          .delWill({ id: will.clientId, brokerId: will.brokerId })
          .catch((e: unknown) => self.log.debug({ err: errorMessage(e) }, 'stale will not deleted'));
      }
    };
  }

  private async staleOfSilentNode(will: StoredWill, store: WillStore): Promise<string | undefined> {
    const here = this.clients[will.clientId];
    if (here && !here.closed) return 'the client is connected to this node';
    const node = this.liveOn.get(will.clientId);
    if (node !== undefined && node !== will.brokerId && this.isLive(node)) {
      return `the client is connected to node ${node}`;
    }
    const others = this.liveNodes().filter((n) => n !== will.brokerId);
    if (others.length > 0 && (await store.hasWillUnder(will.clientId, others))) {
      return 'the client has a newer will, under a live node';
    }
    return undefined;
  }

  private liveNodes(): string[] {
    return [this.aedes.id, ...Object.keys(this.aedes.brokers).filter((n) => n !== this.aedes.id)];
  }

  private isLive(node: string): boolean {
    return node === this.aedes.id || this.aedes.brokers[node] !== undefined || this.heardLately(node);
  }

  private heardLately(node: string): boolean {
    const at = this.heard.get(node);
    return at !== undefined && Date.now() - at <= 3 * this.heartbeatMs;
  }

  /** Forgets the clients of nodes no longer alive (they never said their clients left). */
  private prune(): void {
    for (const [id, node] of this.liveOn) if (!this.isLive(node)) this.liveOn.delete(id);
    for (const node of this.heard.keys()) if (!this.heardLately(node)) this.heard.delete(node);
  }
}
