import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../core/logger.ts';
import { budgetedServer, OPS_HTTP_BUDGET } from '../web/http-budget.ts';
import type { EventLoopMonitor } from './event-loop.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { Readiness } from './readiness.ts';

export interface OpsServerOptions {
  host: string;
  port: number;
  metrics: GatewayMetrics;
  readiness: Readiness;
  loop: EventLoopMonitor;
  log: Logger;
  /** /healthz fails after an event-loop stall this long, for the rest of the window (default 2 s). */
  stallMs?: number;
}

export interface OpsServer {
  /** The port actually bound (differs from the config when it asked for 0). */
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The operations listener, apart from the web pages and the broker:
 * - `GET /metrics`: Prometheus text format;
 * - `GET /healthz`: 200 while the process is alive and its event loop responsive: the heartbeat
 *   timer ran within `stallMs` and no delay in the current or last 10 s window reached it; else
 *   503 (`stalled`). It is answered on the loop itself, so a loop hung for good is a timeout;
 * - `GET /readyz`: 200 once the broker listens, every device was opened once and the gateway
 *   state is published, else 503; the body says which condition is missing.
 * Nothing else (404); only GET and HEAD (405).
 */
export async function startOpsServer(o: OpsServerOptions): Promise<OpsServer> {
  const stallMs = o.stallMs ?? 2000;
  // Timeouts, header size and connection caps (web/http-budget.ts); scrapers keep connections
  // open, the keep-alive timeout keeps them from holding the process at shutdown.
  const server = budgetedServer(OPS_HTTP_BUDGET, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      o.log.warn({ err }, 'ops request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('method not allowed\n');
      return;
    }
    if (path === '/metrics') {
      const body = await o.metrics.text();
      res.writeHead(200, { 'content-type': o.metrics.contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/healthz') {
      const since = o.loop.sinceLastBeatMs();
      const lag = o.loop.lag();
      const recentMax = o.loop.recentMaxMs();
      const ok = since < stallMs && recentMax < stallMs;
      json(res, ok ? 200 : 503, {
        status: ok ? 'ok' : 'stalled',
        sinceLastBeatMs: Math.round(since),
        eventLoopLagMs: { p99: round(lag.p99Ms), max: round(lag.maxMs), recentMax: round(recentMax) },
        uptimeSeconds: Math.round(process.uptime()),
      });
      return;
    }
    if (path === '/readyz') {
      const r = o.readiness.report();
      json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /metrics, /healthz or /readyz\n');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => o.log.error({ err }, 'ops listener error'));
  const port = (server.address() as AddressInfo).port;
  const host = o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host;
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () => closeServer(server),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
