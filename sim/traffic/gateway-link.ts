import type { Outcome } from './stats.ts';

/**
 * What the traffic sees of the gateway and does through it, over the broker only (never the
 * gateway's internals, so the same traffic works against a gateway in another process):
 * the decisions published on `gatepost/<site>/lane/+/decision`, and the yard coordinator's
 * requests on `gatepost/<site>/yard/request/<action>`, as yard staff would make them.
 */
export interface DecisionSeen {
  lane: string;
  outcome: Outcome;
  transitId: string;
  plate?: string;
  /** The yard bay reserved for YARD and ISOLATE. */
  bay?: string;
  /** Its reasons' codes (e.g. `recheck-required`: the driver waits for a second reading). */
  reasons?: readonly string[];
}

/** The yard staff's actions (the coordinator requests of gateway/yard/yard-topics.ts). */
export interface YardStaff {
  /** Records a swab (antigen unless `kind` says PCR) of the truck in `bay`; false if refused or unanswered. */
  sample(bay: string, kind?: SampleKind): Promise<boolean>;
  /** Records the result of the oldest pending sample (of that kind) of the truck in `bay`. */
  result(bay: string, result: 'negative' | 'positive', kind?: SampleKind): Promise<boolean>;
  /** Moves the truck to an isolation bay; the new bay, or undefined if refused. */
  moveToIsolation(bay: string): Promise<string | undefined>;
  /** Releases the truck from its bay (a reason is required). */
  release(bay: string, reason: string): Promise<boolean>;
  /** Unblocks a bay (disinfected after an isolated truck left it); absent where staff cannot. */
  unblock?(bay: string): Promise<boolean>;
}

/** The kiosk staff's action at an entry lane: deciding the lane's open transit by hand (an override). */
export interface LaneStaff {
  /** Overrides the open transit of `lane` with `outcome`; false if refused or unanswered. */
  decide(lane: string, outcome: 'PASS' | 'YARD', reason: string): Promise<boolean>;
}

/** The swabs yard staff take: a rapid antigen test, or a PCR confirming a positive one. */
export type SampleKind = 'antigen' | 'pcr';

export interface GatewayLink {
  /** Whether decisions can be seen now (connected to the broker). */
  readonly connected: boolean;
  /** Calls `listener` for every decision seen; returns a function that stops it. */
  onDecision(listener: (decision: DecisionSeen) => void): () => void;
  /** Acting as yard staff; undefined when there is no gateway to ask. */
  readonly staff: YardStaff | undefined;
  /** Acting as kiosk staff at the entry lanes; undefined when there is no gateway to ask. */
  readonly laneStaff?: LaneStaff | undefined;
  close(): Promise<void>;
}

/** No gateway to watch (tests of the devices, a simulator run with no broker): no decisions, no staff. */
export const NO_GATEWAY: GatewayLink = {
  connected: false,
  onDecision: () => () => undefined,
  staff: undefined,
  close: async () => undefined,
};
