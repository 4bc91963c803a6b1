import type { SiteConfig } from '../config/schema.ts';
import { buildLayout } from '../yard/layout.ts';
import type { SiteInfo } from './client/shared/site-info.ts';

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
    auth: { signIn: broker.signIn, anonymousLoopback: config.broker.allowAnonymousLoopback },
    feverC: config.rules.feverC,
    idleLockMinutes: IDLE_LOCK_MINUTES,
  };
}
