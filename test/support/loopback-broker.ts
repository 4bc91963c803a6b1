import {
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
  startEmbeddedBroker,
} from '../../broker/embedded-broker.ts';
import { silentLogger } from '../../core/logger.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';

/** Listeners of a test broker: TCP on a free loopback port, no WebSocket. */
export const LOOPBACK_TCP_ONLY = {
  tcp: { enabled: true, host: '127.0.0.1', port: 0 },
  websocket: { enabled: false, host: '127.0.0.1', port: 0, path: '/mqtt' },
} satisfies Partial<EmbeddedBrokerOptions>;

/** The embedded broker on a free loopback TCP port, for a gateway process or clients of a test. */
export function startLoopbackBroker(opts: Partial<EmbeddedBrokerOptions> = {}): Promise<EmbeddedBroker> {
  return startEmbeddedBroker({
    ...LOOPBACK_TCP_ONLY,
    log: silentLogger(),
    ...opts,
    acl: opts.acl ?? GATEPOST_ACL,
  });
}
