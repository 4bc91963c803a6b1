import type { Aedes, AedesOptions, Client, PublishPacket } from 'aedes';
import aedesPersistenceRedis, { type RedisPersistence } from 'aedes-persistence-redis';
import { Redis, type RedisOptions } from 'ioredis';
import mqemitterRedis from 'mqemitter-redis';
import { ErrorCode, errorMessage, GatepostError } from '../core/errors.ts';
import type { BrokerLog } from './broker-log.ts';
import { ClusterBus } from './cluster-bus.ts';
import { handleEveryCommand } from './redis-commands.ts';
import { StaleWills, type WillStore } from './stale-wills.ts';

/**
 * Cluster mode: several broker nodes share one Redis. mqemitter-redis carries every publish to
 * every node (so a subscriber on one node gets what is published on another), and
 * aedes-persistence-redis keeps retained messages, subscriptions, offline QoS 1/2 queues and
 * wills there (so a client may reconnect to any node and find its session).
 *
 * The three Redis connections (publish, subscribe, persistence) are made here, so that their
 * errors are logged rather than thrown and the teardown can end them even when the libraries'
 * own close never calls back (Redis gone, or the broker stopped before Redis answered).
 */
export interface ClusterOptions {
  enabled: boolean;
  /** redis://[user:password@]host:port[/db] or rediss:// for TLS. */
  redisUrl: string;
  /** How long the broker waits for Redis at start before it gives up (default 10 s). */
  startTimeoutMs?: number;
  /** How often the nodes beat (default 5 s; tests only). */
  heartbeatMs?: number;
}

export interface ClusterBackend {
  /** The `mq`, `persistence` and heartbeat options for Aedes. */
  readonly aedes: AedesOptions;
  readonly startTimeoutMs: number;
  /** Where Redis is, without the password, for messages. */
  readonly where: string;
  /** Whether the Redis connections are all up (cluster-bus.ts). */
  readonly bus: ClusterBus;
  /** Follows the broker (before it listens) to drop stale wills (stale-wills.ts). */
  attach(aedes: Aedes): void;
  /** For a publish about to be authorised: why it is a stale will not to publish, or undefined. */
  staleWill(client: Client | null, packet: PublishPacket): string | undefined;
  /** Ends everything once `brokerClosed` settles (or after a bounded wait). */
  close(brokerClosed: Promise<void>): Promise<void>;
}

/** aedes-persistence-redis's key of a stored will (its `willKey`). */
const willKey = (nodeId: string, clientId: string) => `will:${nodeId}:${encodeURIComponent(clientId)}`;

/**
 * How often the nodes tell each other they are alive. A node silent for three beats is taken
 * for dead and its clients' wills are published by another node (within about 35 s).
 */
const HEARTBEAT_MS = 5000;
/** Longest wait for each step of the teardown before the connections are simply cut. */
const TEARDOWN_STEP_MS = 2000;

export function parseRedisUrl(url: string): RedisOptions & { where: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new GatepostError(ErrorCode.ConfigInvalid, 'broker.cluster.redisUrl is not a URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new GatepostError(ErrorCode.ConfigInvalid, 'broker.cluster.redisUrl must be redis:// or rediss://');
  }
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) {
    throw new GatepostError(
      ErrorCode.ConfigInvalid,
      `broker.cluster.redisUrl: bad database number ${u.pathname}`,
    );
  }
  const port = u.port ? Number(u.port) : 6379;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    where: `${u.hostname}:${port}/${db}`,
  };
}

/** Waits for `p`, or TEARDOWN_STEP_MS, whichever comes first. */
async function bounded(p: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const wait = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, TEARDOWN_STEP_MS);
  });
  await Promise.race([p.catch(() => undefined), wait]);
  clearTimeout(timer);
}

export function createClusterBackend(opts: ClusterOptions, log: BrokerLog): ClusterBackend {
  const { where, ...redis } = parseRedisUrl(opts.redisUrl);
  const connection = (name: string) => {
    // Commands wait for Redis as long as it is away (maxRetriesPerRequest: null) rather than
    // failing after 20 reconnects: aedes-persistence-redis leaves some unawaited (a will's LREM),
    // and their failure would be an unhandled rejection, the end of the broker's thread. What
    // waits is bounded: publishes are held and CONNECTs refused while the bus is down.
    const conn = new Redis({
      ...redis,
      retryStrategy: (times) => Math.min(times * 200, 5000),
      maxRetriesPerRequest: null,
    });
    // A command the libraries left unawaited and the close rejected: a debug line, not the
    // thread's end (redis-commands.ts).
    handleEveryCommand(conn, (err, command) =>
      log.debug({ err: errorMessage(err), command, connection: name }, 'cluster: a Redis command failed'),
    );
    // One line per outage, not one per reconnect attempt.
    let down = false;
    conn.on('error', (err: Error) => {
      if (!down)
        log.error({ err: err.message, redis: where, connection: name }, 'cluster: Redis unreachable');
      down = true;
    });
    conn.on('ready', () => {
      if (down) log.info({ redis: where, connection: name }, 'cluster: Redis reachable again');
      down = false;
    });
    return conn;
  };
  const pubConn = connection('publish');
  const subConn = connection('subscribe');
  const dbConn = connection('persistence');
  const mq = mqemitterRedis({ pubConn, subConn, matchEmptyLevels: true, concurrency: 100 });
  // Without a listener these would be thrown; the connections above log them once.
  (mq as unknown as { state: NodeJS.EventEmitter }).state.on('error', () => undefined);
  const persistence: RedisPersistence = aedesPersistenceRedis({ conn: dbConn });
  const bus = new ClusterBus([pubConn, subConn, dbConn], where, log);
  if (redis.password === undefined) {
    log.warn(
      { redis: where },
      'cluster: Redis without a password: anyone who reaches it can read and forge every message and session; set one in broker.cluster.redisUrl (redis://:password@host)',
    );
  }
  let closing: Promise<void> | undefined;
  let wills: StaleWills | undefined;
  const store = persistence as unknown as WillStore;
  store.hasWillUnder = async (clientId, nodeIds) =>
    (await dbConn.exists(...nodeIds.map((n) => willKey(n, clientId)))) > 0;
  return {
    aedes: { mq, persistence, heartbeatInterval: opts.heartbeatMs ?? HEARTBEAT_MS },
    startTimeoutMs: opts.startTimeoutMs ?? 10_000,
    where,
    bus,
    attach(aedes) {
      wills = new StaleWills(aedes, opts.heartbeatMs ?? HEARTBEAT_MS, log);
      // Aedes asks its persistence for the wills of silent nodes: the stale ones are left out.
      store.streamWill = wills.filter(store);
    },
    staleWill(client, packet) {
      // A will a client of this node leaves is its `will` itself (Aedes authorises it on close).
      if (!wills || !client || packet !== (client as Client & { will?: unknown }).will) return undefined;
      return wills.staleOnClose(client);
    },
    close(brokerClosed) {
      closing ??= (async () => {
        const conns = [pubConn, subConn, dbConn];
        if (conns.some((c) => c.status !== 'ready')) {
          // Without Redis there is nothing to flush, and the libraries' close would wait for it.
          for (const c of conns) c.disconnect();
          return;
        }
        await bounded(brokerClosed);
        await bounded(new Promise<void>((resolve) => mq.close(() => resolve())));
        await bounded(
          persistence
            .destroy()
            .catch((e: unknown) => log.debug({ err: errorMessage(e) }, 'persistence teardown')),
        );
        // QUIT lets the replies still due arrive first: aedes-persistence-redis leaves some of its
        // commands (the will list's LREM on a client's close) unawaited, and a plain disconnect
        // would reject them unhandled.
        await bounded(Promise.all(conns.map((c) => c.quit().catch(() => undefined))));
        for (const c of conns) c.disconnect();
      })();
      return closing;
    },
  };
}
