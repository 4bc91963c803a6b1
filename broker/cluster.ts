import type { EventEmitter } from 'node:events';
import type { AedesOptions } from 'aedes';
import aedesPersistenceRedis, {
  type RedisPersistence,
  type RedisPersistenceOptions,
} from 'aedes-persistence-redis';
import mqemitterRedis from 'mqemitter-redis';
import { ErrorCode, errorMessage, GatepostError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';

/**
 * Cluster mode: several broker nodes share one Redis. mqemitter-redis carries every publish to
 * every node (so a subscriber on one node gets what is published on another), and
 * aedes-persistence-redis keeps retained messages, subscriptions, offline QoS 1/2 queues and
 * wills there (so a client may reconnect to any node and find its session).
 */
export interface ClusterOptions {
  enabled: boolean;
  /** redis://[user:password@]host:port[/db] or rediss:// for TLS. */
  redisUrl: string;
}

export interface ClusterBackend {
  /** The `mq`, `persistence` and heartbeat options for Aedes. */
  readonly aedes: AedesOptions;
  /** Where Redis is, without the password, for messages. */
  readonly where: string;
  close(): Promise<void>;
}

/**
 * How often the nodes tell each other they are alive. A node silent for three beats is taken
 * for dead and its clients' wills are published by another node (within about 35 s).
 */
const HEARTBEAT_MS = 5000;
/** Longest wait for the Redis persistence to tear down (it may never answer once the broker is gone). */
const DESTROY_WAIT_MS = 2000;

export function parseRedisUrl(url: string): RedisPersistenceOptions & { where: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new GatepostError(ErrorCode.ConfigInvalid, `broker.cluster.redisUrl is not a URL: ${url}`);
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

export function createClusterBackend(opts: ClusterOptions, log: Logger): ClusterBackend {
  const { where, ...redis } = parseRedisUrl(opts.redisUrl);
  const mq = mqemitterRedis({ connectionString: opts.redisUrl, matchEmptyLevels: true, concurrency: 100 });
  // Without a listener these would be thrown; Redis going away is logged and ioredis reconnects.
  (mq as unknown as { state: EventEmitter }).state.on('error', (err: Error) =>
    log.error({ err: err.message, redis: where }, 'cluster emitter: Redis error'),
  );
  const persistence: RedisPersistence = aedesPersistenceRedis(redis);
  let closed = false;
  return {
    aedes: { mq, persistence, heartbeatInterval: HEARTBEAT_MS },
    where,
    async close() {
      if (closed) return;
      closed = true;
      // Aedes has closed the emitter already when the broker closed; closing it again is a no-op.
      await new Promise<void>((resolve) => mq.close(() => resolve()));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        persistence
          .destroy()
          .catch((e: unknown) => log.debug({ err: errorMessage(e) }, 'persistence teardown')),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, DESTROY_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
