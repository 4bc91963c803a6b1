import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { LaneConfig } from '../../site-config/schema.ts';
import type { DecisionRules } from './decision-rules.ts';
import type { IdNumberPolicy } from './id-number-policy.ts';
import type { InputStageTimes } from './input-stages.ts';
import type {
  BayReservations,
  HandoverReceiving,
  LaneDevices,
  PassCheck,
  PreRegistrationLookup,
  YardExits,
} from './lane-ports.ts';
import type { LaneRecordData, LaneRecordType, LaneState } from './lane-records.ts';
import type { ReplayGuard } from './replay-guard.ts';

/** Commits a lane record (then publishes it); resolves once it is committed. */
export type LaneRecorder = <T extends LaneRecordType | 'scan'>(
  type: T,
  data: T extends LaneRecordType ? LaneRecordData<T> : unknown,
) => Promise<unknown>;

export interface LaneControllerOptions {
  config: LaneConfig;
  site: string;
  rules: DecisionRules;
  clock: Clock;
  log: Logger;
  devices: LaneDevices;
  passes: PassCheck;
  yard: BayReservations | undefined;
  /** For a yard exit lane: the yard's exit check instead of the decision rules. */
  exits?: YardExits;
  /** For an entry lane: the yard's hand-overs waiting for a receiving truck. */
  handovers?: HandoverReceiving;
  /** The trucks announced by the central office (Downlink.preRegistrations). */
  preRegistrations?: PreRegistrationLookup;
  replay: ReplayGuard;
  record: LaneRecorder;
  publishState: (state: LaneState) => void;
  idNumbers: IdNumberPolicy;
  /** A transit left open by the previous run, to be closed as interrupted. */
  interrupted?: { transitId: string; startedAt: number };
  /** Maintenance set by staff before the restart: it holds until staff clear it. */
  maintenance?: { reason: string };
  /** Hears the input-to-command latency of each open by the rules, and its stages (the ops metrics). */
  commandLatency?: (seconds: number, stages: InputStageTimes) => void;
}
