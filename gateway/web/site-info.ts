import type { IncomingMessage } from 'node:http';
import { isLoopback, isLoopbackHost } from '../../broker/authenticate.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import { buildLayout } from '../yard/layout.ts';
import type { AnonymousAccess, SiteInfo } from './client/shared/site-info.ts';

/** The page locks itself (staff sign in again) after this long without a touch. */
export const IDLE_LOCK_MINUTES = 20;

export interface BrokerEndpoint {
  /** The broker's WebSocket port on this host (embedded broker). */
  wsPort?: number;
  wssPort?: number;
  /** An external broker's ws:// or wss:// URL, when the gateway uses one. */
  url?: string;
  /** Staff can sign in (the embedded broker issues tokens and has a users file). */
  signIn: boolean;
}

/** `/config.json`: what the pages need of the site config (no secret). */
export function siteInfo(config: SiteConfig, broker: BrokerEndpoint): SiteInfo {
  const lanes: SiteInfo['lanes'] = [];
  for (const cp of config.checkpoints) {
    for (const l of cp.lanes) lanes.push({ id: l.id, name: l.name, checkpoint: cp.name, kind: l.kind });
  }
  for (const l of config.yard.exitLanes)
    lanes.push({ id: l.id, name: l.name, checkpoint: 'yard', kind: l.kind });
  const layout = buildLayout(config.yard);
  const external = broker.url && /^wss?:\/\//.test(broker.url) ? broker.url : undefined;
  return {
    site: { id: config.site.id, name: config.site.name },
    lanes,
    zones: layout.zones.map((z) => ({ id: z.id, name: z.name, kind: z.kind, bays: [...z.bays] })),
    mqtt: {
      ...(external ? { url: external } : {}),
      ...(broker.wsPort !== undefined ? { port: broker.wsPort } : {}),
      ...(broker.wssPort !== undefined ? { tlsPort: broker.wssPort } : {}),
      path: config.broker.websocket.path,
    },
    auth: {
      signIn: broker.signIn,
      anonymousLoopback: config.broker.allowAnonymousLoopback,
      anonymous: config.broker.allowAnonymousLoopback ? 'allowed' : 'off',
    },
    feverC: config.rules.feverC,
    idleLockMinutes: IDLE_LOCK_MINUTES,
    printers: config.printers.map((p) => ({ id: p.id, lanes: [...p.serves.lanes], yard: p.serves.yard })),
  };
}

/**
 * Whether a page loaded by this request may use the broker anonymously, decided as the broker
 * decides (broker/authenticate.ts: a loopback peer, and a page whose origin names this box), so
 * that the page can say why before it tries: `remote-device` for a peer that is not loopback
 * (another machine, such as the demo opened on a phone or tablet; also this box reached by its
 * network address, which the broker refuses alike), `not-localhost` for a loopback peer that asked
 * for a host name that is not this box's (a tunnel, a proxy), `off` when the broker takes no
 * anonymous client at all.
 */
export function anonymousAccessOf(allowAnonymousLoopback: boolean, req: IncomingMessage): AnonymousAccess {
  if (!allowAnonymousLoopback) return 'off';
  if (!isLoopback(req.socket.remoteAddress ?? '')) return 'remote-device';
  let hostname = '';
  try {
    hostname = new URL(`http://${req.headers.host ?? ''}`).hostname;
  } catch {
    hostname = '';
  }
  return isLoopbackHost(hostname) ? 'allowed' : 'not-localhost';
}
