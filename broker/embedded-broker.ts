import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { Logger } from '../core/logger.ts';
import { closeServer, listen } from './listen.ts';

export interface ListenerOptions {
  enabled: boolean;
  host: string;
  port: number;
}

export interface EmbeddedBrokerOptions {
  tcp: ListenerOptions;
  websocket: ListenerOptions & { path: string };
  log: Logger;
  /** Extra Aedes options (authentication and authorization hooks, limits). */
  aedes?: AedesOptions;
  /** Config field names for error messages, e.g. `broker.tcp.port`. */
  fieldPrefix?: string;
}

export interface EmbeddedBroker {
  readonly aedes: Aedes;
  /** The TCP port actually bound (differs from the config when it asked for 0). */
  readonly tcpPort: number | undefined;
  readonly wsPort: number | undefined;
  /** mqtt://host:port of the TCP listener, for local clients. */
  readonly url: string | undefined;
  close(): Promise<void>;
}

/** Aedes on TCP and on WebSocket (for the web pages). */
export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const prefix = opts.fieldPrefix ?? 'broker';
  const aedes = await Aedes.createBroker({ ...opts.aedes });
  const sockets = new Set<Socket>();
  let tcp: Server | undefined;
  let http: HttpServer | undefined;
  let wss: WebSocketServer | undefined;
  let tcpPort: number | undefined;
  let wsPort: number | undefined;

  aedes.on('clientError', (client, err) =>
    opts.log.debug({ client: client?.id, err: err.message }, 'mqtt client error'),
  );
  aedes.on('connectionError', (client, err) =>
    opts.log.debug({ client: client?.id, err: err.message }, 'mqtt connection error'),
  );

  const shutdown = async () => {
    for (const s of sockets) s.destroy();
    wss?.clients.forEach((c) => {
      c.terminate();
    });
    await Promise.all([
      tcp ? closeServer(tcp) : undefined,
      http ? closeServer(http) : undefined,
      new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve())),
    ]);
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
  };

  try {
    if (opts.tcp.enabled) {
      tcp = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        aedes.handle(socket);
      });
      tcpPort = await listen(tcp, opts.tcp.host, opts.tcp.port, `${prefix}.tcp.port`);
    }
    if (opts.websocket.enabled) {
      http = createHttpServer((_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
      });
      wss = new WebSocketServer({ server: http, path: opts.websocket.path });
      // ws re-emits the HTTP server's errors; listen() below reports them, so only log here.
      wss.on('error', (err) => opts.log.debug({ err: err.message }, 'websocket listener error'));
      wss.on('connection', (ws, req) => {
        const stream = createWebSocketStream(ws);
        stream.on('error', () => ws.terminate());
        aedes.handle(stream as never, req);
      });
      wsPort = await listen(http, opts.websocket.host, opts.websocket.port, `${prefix}.websocket.port`);
    }
  } catch (e) {
    await shutdown();
    throw e;
  }

  const localHost = opts.tcp.host === '0.0.0.0' || opts.tcp.host === '::' ? '127.0.0.1' : opts.tcp.host;
  opts.log.info({ tcpPort, wsPort }, 'broker listening');
  return {
    aedes,
    tcpPort,
    wsPort,
    url: tcpPort === undefined ? undefined : `mqtt://${localHost}:${tcpPort}`,
    close: shutdown,
  };
}
