import type { EventEmitter } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import type { Registry } from 'prom-client';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { ErrorCode, errorMessage, GatepostError, isGatepostError } from '../core/errors.ts';
import type { AclTable } from './acl-table.ts';
import type { BrokerAddresses } from './broker-addresses.ts';
import { BrokerCounts, type BrokerCountsSnapshot } from './broker-counts.ts';
import { type BrokerLog, hex } from './broker-log.ts';
import type { ClusterBackend, ClusterOptions } from './cluster.ts';
import { ConnectionSlots } from './connection-slots.ts';
import type { RefusalKind } from './counters.ts';
import { type ConnectionInfo, GuardedConnection } from './guarded-connection.ts';
import { aedesLimitOptions, type BrokerLimits, DEFAULT_LIMITS, DEFAULT_MAX_PACKET_BYTES } from './limits.ts';
import { closeServer, listen, listenAedes } from './listen.ts';
import { BrokerSecurity, type RunSecrets } from './security.ts';
import type { TokenIssuer } from './staff-sign-in.ts';
import { TlsFiles, type TlsOptions } from './tls.ts';
import { DEFAULT_TOKEN_OPTIONS, type TokenOptions } from './tokens.ts';

export interface ListenerOptions {
  enabled: boolean;
  host: string;
  port: number;
}

/**
 * Everything is optional beyond the listeners and the logger, and the names match the fields of
 * the config's `broker` section, so `{ ...config.broker, site, log }` is a complete set.
 * Without a users file, only anonymous clients on this box (if allowed) and holders of a token
 * get in; with one, its users too.
 */
export interface EmbeddedBrokerOptions {
  tcp: ListenerOptions;
  websocket: ListenerOptions & { path: string };
  log: BrokerLog;
  /** The site id for the ACL table's `{site}`; without it `{site}` matches any site. */
  site?: string;
  usersFile?: string;
  /** Anonymous clients on 127.0.0.1 / ::1 get the `loopback` role (default true). */
  allowAnonymousLoopback?: boolean;
  maxPacketBytes?: number;
  limits?: Partial<BrokerLimits>;
  tls?: TlsOptions;
  cluster?: ClusterOptions;
  tokens?: Partial<TokenOptions>;
  /**
   * Who may do what, as data (acl-table.ts): the broker knows no topics of its own. Gatepost's
   * is GATEPOST_ACL of gateway/mqtt/acl-roles.ts. Plain data, so it crosses to the broker's thread.
   */
  acl: AclTable;
  /**
   * A Prometheus registry to show the broker's series in (broker-series.ts, loaded only then).
   * The gateway does not give one: it reads `counts()` (over the thread's channel) instead.
   */
  metrics?: Registry;
  /** How often the users file and the TLS files are checked for changes (default 2 s and 5 s). */
  filePollMs?: number;
  /** Extra Aedes options, applied last (they override the security hooks: tests only). */
  aedes?: AedesOptions;
  /** Config field names for error messages, e.g. `broker.tcp.port`. */
  fieldPrefix?: string;
  /** This run's secrets (security.ts), when a restart must accept the clients of before. */
  secrets?: RunSecrets;
  /**
   * The broker runs in the gateway process (`startLocalBroker`), whose client connects as this
   * user (`_gateway` with the in-process secret, or `broker.username`): the gateway's client id
   * is then that user's alone, refused even to other users of the `gateway` role.
   */
  gatewayUser?: string;
}

export interface EmbeddedBroker extends BrokerAddresses {
  readonly aedes: Aedes;
  /** Staff sign-in and token minting for the web pages (docs/security.md). */
  readonly tokens: TokenIssuer;
  /** Refusals so far, by kind. */
  refusals(): Record<RefusalKind, number>;
  /** The broker's series as plain numbers (broker-series.ts names them for Prometheus). */
  counts(): BrokerCountsSnapshot;
  close(): Promise<void>;
}

/** How long a publish made while a cluster's bus is down waits for it before its client is disconnected. */
export const PUBLISH_HOLD_MS = 5000;

/** Aedes on TCP and on WebSocket (for the web pages), optionally over TLS and clustered through Redis. */
export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const prefix = opts.fieldPrefix ?? 'broker';
  const log = opts.log;
  const limits: BrokerLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const maxPacketBytes = opts.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  // The socket under each client's connection, for its connection slot.
  const socketOf = new WeakMap<Duplex, Socket>();
  const slotSocket = (client: Client) => (client.conn ? socketOf.get(client.conn) : undefined);
  const security = new BrokerSecurity({
    site: opts.site,
    table: opts.acl,
    usersFile: opts.usersFile,
    allowAnonymousLoopback: opts.allowAnonymousLoopback ?? true,
    tokens: { ...DEFAULT_TOKEN_OPTIONS, ...opts.tokens },
    limits,
    log,
    filePollMs: opts.filePollMs,
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
    ...(opts.gatewayUser !== undefined ? { gatewayUser: opts.gatewayUser } : {}),
    mayAdmit: (client, identity) => {
      // A session lives in Redis: without it the CONNECT would wait forever for its CONNACK.
      if (cluster && !cluster.bus.up) return 'the cluster bus (Redis) is down';
      const socket = slotSocket(client);
      return socket ? slots.admit(socket, identity.via === 'internal') : undefined;
    },
  });
  // Declared after the security layer (whose counters it uses); mayAdmit above runs later.
  const slots = new ConnectionSlots(limits, (why, address) =>
    security.counters.refuse(
      'connection',
      { from: address, reason: why },
      'connection closed before CONNECT',
    ),
  );
  let tlsFiles: TlsFiles | undefined;
  let cluster: ClusterBackend | undefined;
  try {
    if (opts.tls && (opts.tls.tcp.enabled || opts.tls.websocket.enabled))
      tlsFiles = new TlsFiles(opts.tls, log);
    // Loaded only in cluster mode: the Redis clients are big, and most sites run one node.
    if (opts.cluster?.enabled)
      cluster = (await import('./cluster.ts')).createClusterBackend(opts.cluster, log);
  } catch (e) {
    security.close();
    throw e;
  }

  const hooks = security.hooks();
  const preConnect = hooks.preConnect;
  const authorizePublish = hooks.authorizePublish;
  const aedes = new Aedes({
    ...aedesLimitOptions(limits),
    ...hooks,
    // A client whose CONNECT has arrived no longer holds an idle slot.
    preConnect: (client, packet, callback) => {
      const socket = slotSocket(client);
      if (socket) slots.connecting(socket);
      if (preConnect) preConnect(client, packet, callback);
      else callback(null, true);
    },
    // Aedes sends a QoS 1 PUBACK before it publishes: in cluster mode, a publish made while the
    // bus is down is held until it is back, and past PUBLISH_HOLD_MS its client is disconnected
    // without an acknowledgement (it sends the message again on reconnecting).
    authorizePublish: (client, packet, callback) => {
      const check = () => (authorizePublish ? authorizePublish(client, packet, callback) : callback(null));
      if (!cluster) return check();
      // A will whose client has connected again since must not overwrite what it said then.
      const stale = cluster.staleWill(client, packet);
      if (stale) {
        log.info({ clientId: client?.id, topic: packet.topic, why: stale }, 'cluster: stale will dropped');
        return callback(new GatepostError(ErrorCode.BrokerUnavailable, `stale will: ${stale}`));
      }
      if (cluster.bus.up) return check();
      cluster.bus
        .whenUp(PUBLISH_HOLD_MS)
        .then((up) => {
          if (up) return check();
          log.debug(
            { client: client?.id, topic: packet.topic },
            'publish not accepted: the cluster bus is down',
          );
          callback(new GatepostError(ErrorCode.BrokerUnavailable, 'the cluster bus (Redis) is down'));
        })
        .catch((err: unknown) => log.error({ err: errorMessage(err) }, 'held publish failed'));
    },
    ...cluster?.aedes,
    ...opts.aedes,
  });
  security.attach(aedes);
  cluster?.attach(aedes);
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  const wsServers: WebSocketServer[] = [];
  const ports: Partial<Record<'tcp' | 'ws' | 'tls' | 'wss', number>> = {};
  let closing: Promise<void> | undefined;

  // Errors Aedes reports: counted as protocol errors unless they are our own refusals (already
  // counted), socket errors, the echo of a connection the guard closed, or a delivery that found
  // its client gone (a client that disconnects while its retained messages are being sent: one
  // "connection closed" per message not sent, and nothing the client did wrong).
  const onClientError = (client: Client | null, err: Error, what: string) => {
    const ours =
      isGatepostError(err) ||
      (err as NodeJS.ErrnoException).code !== undefined ||
      (client?.conn instanceof GuardedConnection && client.conn.closedByGuard) ||
      client?.closed === true ||
      err.message === 'connection closed';
    if (ours) log.debug({ client: client?.id, err: err.message }, what);
    else security.counters.refuse('protocol', { clientId: client?.id, err: err.message }, what);
  };
  aedes.on('clientError', (client, err) => onClientError(client, err, 'mqtt client error'));
  aedes.on('connectionError', (client, err) => onClientError(client, err, 'mqtt error before connect'));
  // Persistence failures (Redis away in cluster mode) arrive here; unhandled they would end the process.
  (aedes as EventEmitter).on('error', (err: Error) => log.error({ err: err.message }, 'broker error'));
  aedes.on('clientReady', (client) => {
    const identity = security.identityOf(client);
    log.debug({ client: client.id, user: identity?.username, role: identity?.role }, 'mqtt client connected');
  });

  const accept = (stream: Duplex, socket: Socket, info: ConnectionInfo, req?: IncomingMessage) => {
    const conn = new GuardedConnection(stream, info, {
      maxPacketBytes,
      slowClientTimeoutMs: limits.slowClientTimeoutMs,
      framed: info.transport === 'ws' || info.transport === 'wss',
      onRefused: (reason, detail, head) =>
        security.counters.refuse(
          // A CONNECT of a level not served is answered (CONNACK 1): a refused connection.
          reason === 'protocol-level' ? 'connect' : 'packet',
          { from: info.remoteAddress, transport: info.transport, reason, detail, head: hex(head) },
          'packet refused; connection closed',
        ),
      onSlow: (detail) =>
        security.counters.refuse('slow', { from: info.remoteAddress, detail }, 'slow client disconnected'),
      onThrottled: () =>
        security.counters.refuse('throttle', { from: info.remoteAddress }, 'client over its packet rate'),
    });
    socketOf.set(conn, socket);
    aedes.handle(conn, req);
  };

  const socketServer = (server: Server, transport: 'tcp' | 'tls') => {
    // Every socket is tracked from its first byte (a TLS socket still in its handshake too), so
    // that closing the broker never waits for one, and holds a connection slot (or is refused).
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.setKeepAlive(true, 60_000);
      slots.open(socket);
    });
    server.on(transport === 'tls' ? 'secureConnection' : 'connection', (socket: Socket) => {
      if (socket.destroyed) return;
      accept(socket, socket, { remoteAddress: socket.remoteAddress ?? '', transport });
    });
    if (transport === 'tls') {
      server.on('tlsClientError', (err: Error, socket: Socket) =>
        log.debug({ err: err.message, from: socket.remoteAddress }, 'TLS handshake failed'),
      );
    }
    servers.push(server);
    return server;
  };

  const webServer = (server: HttpServer | HttpsServer, transport: 'ws' | 'wss') => {
    server.on('connection', (socket: Socket) => slots.open(socket));
    // The WebSocket library would buffer a frame of up to 100 MiB before our guard saw it.
    const wss = new WebSocketServer({ server, path: opts.websocket.path, maxPayload: maxPacketBytes + 16 });
    // ws re-emits the HTTP server's errors; listen() below reports them, so only log here.
    wss.on('error', (err) => log.debug({ err: err.message }, 'websocket listener error'));
    wss.on('connection', (ws, req) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => ws.terminate());
      const origin = req.headers.origin;
      accept(
        stream,
        req.socket,
        { remoteAddress: req.socket.remoteAddress ?? '', transport, ...(origin ? { origin } : {}) },
        req,
      );
    });
    wsServers.push(wss);
    servers.push(server);
    return server;
  };

  const counted = new BrokerCounts();
  const counts = (): BrokerCountsSnapshot => ({
    ...counted.snapshot(),
    refusals: security.counters.series(),
    ...(cluster ? { clusterBusUp: cluster.bus.up ? 1 : 0 } : {}),
  });
  const shutdown = () => {
    closing ??= (async () => {
      counted.unwatch();
      for (const s of sockets) s.destroy();
      for (const wss of wsServers) for (const c of wss.clients) c.terminate();
      for (const s of servers) if ('closeAllConnections' in s) (s as HttpServer).closeAllConnections();
      await Promise.all([
        ...servers.map((s) => closeServer(s)),
        ...wsServers.map((wss) => new Promise<void>((resolve) => wss.close(() => resolve()))),
      ]);
      const brokerClosed = new Promise<void>((resolve) => aedes.close(() => resolve()));
      // In cluster mode Aedes' close waits on Redis, which may be gone: the backend bounds the wait.
      await (cluster ? cluster.close(brokerClosed) : brokerClosed);
      tlsFiles?.close();
      security.close();
    })();
    return closing;
  };

  try {
    await listenAedes(aedes, cluster);
    const on = (l: ListenerOptions, field: string, server: () => Server) =>
      l.enabled ? listen(server(), l.host, l.port, `${prefix}.${field}`) : Promise.resolve(undefined);
    const http426 = () =>
      createHttpServer((_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
      });
    ports.tcp = await on(opts.tcp, 'tcp.port', () => socketServer(createServer(), 'tcp'));
    ports.ws = await on(opts.websocket, 'websocket.port', () => webServer(http426(), 'ws'));
    if (opts.tls && tlsFiles) {
      const files = tlsFiles;
      const tlsOpts = files.serverOptions();
      const secure = (make: () => Server) => {
        try {
          return make();
        } catch (e) {
          throw new GatepostError(ErrorCode.ConfigInvalid, `${prefix}.tls: ${errorMessage(e)}`);
        }
      };
      ports.tls = await on(opts.tls.tcp, 'tls.tcp.port', () =>
        socketServer(
          secure(() => createTlsServer(tlsOpts)),
          'tls',
        ),
      );
      ports.wss = await on(opts.tls.websocket, 'tls.websocket.port', () =>
        webServer(
          secure(() =>
            createHttpsServer(tlsOpts, (_req, res) => {
              res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
            }),
          ) as HttpsServer,
          'wss',
        ),
      );
      files.watch(
        servers.filter((s): s is TlsServer => 'setSecureContext' in s),
        opts.filePollMs ?? 5000,
      );
    }
  } catch (e) {
    await shutdown();
    throw e;
  }

  counted.watch(aedes);
  if (opts.metrics) (await import('./broker-series.ts')).registerBrokerSeries(opts.metrics, counts);
  warnAboutClearPasswords(opts, log);
  const localHost = opts.tcp.host === '0.0.0.0' || opts.tcp.host === '::' ? '127.0.0.1' : opts.tcp.host;
  log.info(
    {
      tcpPort: ports.tcp,
      wsPort: ports.ws,
      tlsPort: ports.tls,
      wssPort: ports.wss,
      users: security.users?.size ?? 0,
      anonymousLoopback: opts.allowAnonymousLoopback ?? true,
      cluster: cluster?.where,
    },
    'broker listening',
  );
  return {
    aedes,
    tcpPort: ports.tcp,
    wsPort: ports.ws,
    tlsPort: ports.tls,
    wssPort: ports.wss,
    url: ports.tcp === undefined ? undefined : `mqtt://${localHost}:${ports.tcp}`,
    gatewayCredentials: security.gatewayCredentials,
    tokens: security.issuer,
    refusals: () => security.counters.snapshot(),
    counts,
    close: shutdown,
  };
}

function warnAboutClearPasswords(opts: EmbeddedBrokerOptions, log: BrokerLog): void {
  const open = (l: ListenerOptions) =>
    l.enabled && l.host !== '127.0.0.1' && l.host !== '::1' && l.host !== 'localhost';
  if (opts.usersFile && (open(opts.tcp) || open(opts.websocket))) {
    log.warn(
      { tcp: opts.tcp.host, websocket: opts.websocket.host },
      'passwords and tokens cross the network in clear: bind broker.tcp and broker.websocket to 127.0.0.1 and use broker.tls',
    );
  }
}
