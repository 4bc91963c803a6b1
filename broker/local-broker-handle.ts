import type { BrokerAddresses } from './broker-addresses.ts';
import type { RefusalKind } from './counters.ts';
import type { IssueResult } from './staff-sign-in.ts';

/** Staff sign-in and token refresh for the web pages (staff-sign-in.ts), wherever the broker runs. */
export interface StaffTokenIssuer {
  signIn(staffId: string, pin: string): Promise<IssueResult>;
  refresh(token: string): Promise<IssueResult>;
}

/**
 * The gateway's embedded broker, on a thread of its own (the default) or on the caller's event
 * loop: the same listeners, security and limits either way (embedded-broker.ts), and the same
 * handle.
 */
export interface LocalBroker extends BrokerAddresses {
  /** `thread`: its own worker thread and event loop; `loop`: the gateway's event loop. */
  readonly runs: 'thread' | 'loop';
  readonly tokens: StaffTokenIssuer;
  /** Refusals so far, by kind (since the broker last started). */
  refusals(): Promise<Record<RefusalKind, number>>;
  /** The broker's Prometheus series (clients, messages, refusals), exposition text. */
  metricsText(): Promise<string>;
  close(): Promise<void>;
}
