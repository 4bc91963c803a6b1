import { randomBytes } from 'node:crypto';
import type { Logger } from '../core/logger.ts';
import { INTERNAL_GATEWAY_USER } from './authenticate.ts';
import { addressesOf } from './broker-addresses.ts';
import { dropEarlyBrokerThread } from './broker-early-thread.ts';
import { brokerMetricsText } from './broker-series.ts';
import { startBrokerThread } from './broker-thread.ts';
import type { EmbeddedBrokerOptions } from './embedded-broker.ts';
import type { LocalBroker, StaffTokenIssuer } from './local-broker-handle.ts';
import type { RunSecrets } from './security.ts';

export type { LocalBroker, StaffTokenIssuer };

export interface LocalBrokerOptions
  extends Omit<EmbeddedBrokerOptions, 'log' | 'metrics' | 'aedes' | 'secrets'> {
  log: Logger;
  thread: { enabled: boolean; nice: number };
  /** `broker.username`: the users-file account the gateway connects as, instead of the in-process secret. */
  username?: string;
}

/** Secrets for one run of the gateway, kept by whoever restarts the broker. */
export function newRunSecrets(): RunSecrets {
  return {
    gatewayPassword: randomBytes(32).toString('base64url'),
    tokenSecret: randomBytes(32).toString('base64url'),
  };
}

/** Starts the embedded broker where `thread.enabled` says; rejects (a GatepostError) if it cannot listen. */
export async function startLocalBroker(o: LocalBrokerOptions): Promise<LocalBroker> {
  // The gateway process connects to its own embedded broker as `broker.username`, or with the
  // in-process credentials: the gateway's client id is that user's alone.
  const { thread, ...rest } = o;
  const options = { ...rest, gatewayUser: o.username ?? INTERNAL_GATEWAY_USER };
  if (thread.enabled) return startBrokerThread({ ...options, nice: thread.nice, secrets: newRunSecrets() });
  dropEarlyBrokerThread(); // begun as the process started (bin/gatepost.js), not wanted here
  // Loaded only here: with the broker on its thread, Aedes is never loaded on the lanes' thread.
  const { startEmbeddedBroker } = await import('./embedded-broker.ts');
  const broker = await startEmbeddedBroker(options);
  return {
    runs: 'loop',
    ...addressesOf(broker),
    tokens: {
      signIn: (staffId, pin) => broker.tokens.signIn(staffId, pin),
      refresh: async (token) => broker.tokens.refresh(token),
    },
    refusals: async () => broker.refusals(),
    metricsText: () => brokerMetricsText(broker.counts()),
    close: () => broker.close(),
  };
}
