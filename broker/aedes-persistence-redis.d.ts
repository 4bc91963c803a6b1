/**
 * aedes-persistence-redis 12 ships no types. This declares the part Gatepost uses: the factory
 * (options are passed on to ioredis) and the teardown. The returned object is handed to Aedes as
 * `persistence`, which calls the rest itself.
 */
declare module 'aedes-persistence-redis' {
  export interface RedisPersistenceOptions {
    /** An ioredis connection to use (otherwise the other options are handed to ioredis). */
    conn?: unknown;
    host?: string;
    port?: number;
    username?: string;
    password?: string;
    db?: number;
    /** Offline messages delivered to a client on CONNECT, at most (default 1000). */
    maxSessionDelivery?: number;
    /** Seconds an offline message is kept; 0 keeps it forever (the default). */
    packetTTL?: (packet: unknown) => number;
  }

  export interface RedisPersistence {
    /** Unsubscribes from the broker and disconnects from Redis; may never settle if the broker is gone. */
    destroy(): Promise<void>;
  }

  export default function aedesPersistenceRedis(opts?: RedisPersistenceOptions): RedisPersistence;
}
