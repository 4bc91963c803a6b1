import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, listen } from '../../broker/listen.ts';
import type { Logger } from '../../core/logger.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import { type PageName, webAssets } from './build.ts';
import { AnonymousAccessSchema, type SiteInfo } from './client/shared/site-info.ts';
import { contentSecurityPolicy } from './csp.ts';
import { budgetedServer, WEB_HTTP_BUDGET } from './http-budget.ts';
import { indexHtml, pageHtml } from './pages.ts';
import { sendAsset } from './served-asset.ts';
import { type StaffTokens, sendJson, signInHandlers } from './sign-in.ts';
import { anonymousAccessOf, type BrokerEndpoint, siteInfo } from './site-info.ts';

/**
 * The gateway's web server (node:http, no framework): the lane kiosks (`/kiosk/<lane>`), the yard
 * map (`/yard`), their bundles (`/assets/*`, built at start by build.ts), `/config.json` for the
 * pages, and the staff sign-in (`/api/sign-in`, `/api/refresh`). The pages get their data from
 * the broker's WebSocket listener, not from here.
 */
export interface WebServerOptions {
  config: SiteConfig;
  broker: BrokerEndpoint;
  /** The embedded broker's token issuer; without it sign-in answers 503. */
  tokens: StaffTokens | undefined;
  log: Logger;
}

export interface WebServer {
  readonly port: number;
  /** http://host:port of the server, for tests and logs. */
  readonly url: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const { config, log } = opts;
  const assets = await webAssets();
  log.debug({ buildMs: assets.buildMs, files: assets.files.size }, 'web bundles ready');
  const info = siteInfo(config, opts.broker);
  // `/config.json` says whether the asking page may connect anonymously (site-info.ts).
  const infoJson = new Map(
    AnonymousAccessSchema.options.map((a) => [
      a,
      JSON.stringify({ ...info, auth: { ...info.auth, anonymous: a } }),
    ]),
  );
  const lanes = new Map(info.lanes.map((l) => [l.id, l]));
  const api = signInHandlers(opts.tokens, log);
  const html = (page: PageName, title: string) => pageHtml(assets, page, title);
  const pages = {
    index: indexHtml(info.site.name, info.lanes),
    yard: html('yard', `堆场 Yard — ${info.site.name}`),
    kiosk: new Map(info.lanes.map((l) => [l.id, html('kiosk', `${l.name} — Gatepost`)])),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    // Names the broker's WebSocket at the host the browser asked for (csp.ts).
    res.setHeader('content-security-policy', contentSecurityPolicy(info.mqtt, req));
    // A target that is no URL (`http://[`, a port over 65535) is the client's error, not ours.
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('bad request target\n');
      return;
    }
    const path = url.pathname;
    if (req.method === 'POST') {
      if (path === '/api/sign-in') return api.signIn(req, res);
      if (path === '/api/refresh') return api.refresh(req, res);
      return notFound(res);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD, POST' }).end();
      return;
    }
    if (path === '/') return sendHtml(res, pages.index);
    if (path === '/yard') return sendHtml(res, pages.yard);
    if (path === '/config.json') {
      const access = anonymousAccessOf(config.broker.allowAnonymousLoopback, req);
      return sendText(res, infoJson.get(access) ?? '', 'application/json; charset=utf-8');
    }
    if (path === '/health') return sendJson(res, 200, { ok: true });
    if (path === '/favicon.ico') {
      res.writeHead(204, { 'cache-control': 'public, max-age=86400' }).end();
      return;
    }
    const kiosk = /^\/kiosk\/([a-z0-9][a-z0-9-]{0,31})$/.exec(path);
    if (kiosk?.[1] && lanes.has(kiosk[1])) return sendHtml(res, pages.kiosk.get(kiosk[1]) ?? '');
    const asset = path.startsWith('/assets/') ? assets.files.get(path) : undefined;
    if (asset) return sendAsset(req, res, asset);
    return notFound(res);
  };

  // Timeouts, header size and connection caps: http-budget.ts; bodies: sign-in.ts.
  const server: Server = budgetedServer(WEB_HTTP_BUDGET, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err, url: req.url }, 'web request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });
  const port = await listen(server, config.web.host, config.web.port, 'web.port');
  const host = config.web.host === '0.0.0.0' || config.web.host === '::' ? '127.0.0.1' : config.web.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url, lanes: info.lanes.length, bays: countBays(info) }, 'web pages served');
  if (info.mqtt.url === undefined && info.mqtt.port === undefined) {
    log.warn('the broker has no WebSocket listener (broker.websocket): the pages cannot show live data');
  }
  return {
    port: (server.address() as AddressInfo | null)?.port ?? port,
    url,
    close: async () => {
      const closed = closeServer(server);
      server.closeAllConnections();
      await closed;
    },
  };
}

function countBays(info: SiteInfo): number {
  return info.zones.reduce((n, z) => n + z.bays.length, 0);
}

function sendHtml(res: ServerResponse, body: string): void {
  sendText(res, body, 'text/html; charset=utf-8');
}

function sendText(res: ServerResponse, body: string, type: string): void {
  res.writeHead(200, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-cache',
  });
  res.end(body);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
}
