import type { Verdict } from '../passes/verdict.ts';
import type {
  DecisionRecord,
  DecisionTrigger,
  LaneState,
  ManualRegistration,
  PassSummary,
} from './lane-records.ts';
import { ScanBudget } from './scan-budget.ts';

export type TransitPhase = 'collecting' | 'deciding' | 'decided' | 'leaving' | 'ended';

/** One vehicle's passage through a lane: what is known about it so far. */
export class Transit {
  phase: TransitPhase = 'collecting';
  verdict: Verdict | undefined;
  pass: PassSummary | undefined;
  replayed = false;
  manual: ManualRegistration | undefined;
  temperatureC: number | undefined;
  decision: DecisionRecord | undefined;
  /** Verification of the scanned pass, still running. */
  verifying: Promise<void> | undefined;
  /** The barrier was opened for this transit (by its decision or by hand): its vehicle left through it. */
  opened = false;
  /**
   * Begun by a scan or a measurement on a lane with a loop while no vehicle was on it: not
   * decided until a vehicle arrives (no phantom decisions, bays or alarms).
   */
  awaitingVehicle = false;
  /** The reasons known when it was last decided (staff's too: a late input does not revive them). */
  decidedOn: ReadonlySet<string> = new Set();
  /**
   * What last moved it on, and when that reached the lane (performance.now(), before the lane's
   * queue): a scan, a measurement, the vehicle a decided pass waited for, a registration, the
   * lane's timeout or staff. The next decision records it as its trigger; the input-to-command
   * latency is measured from it when it was a device's input.
   */
  lastInput: { kind: DecisionTrigger; at: number } | undefined;
  /** Its scans against the store's budget: repeats counted, codes beyond the budget refused. */
  readonly scans = new ScanBudget();
  /** The last unverified code scanned for this transit (a yard exit looks it up as a plate). */
  unverifiedCode: string | undefined;

  constructor(
    readonly id: string,
    readonly startedAt: number,
    public tailgate: boolean,
  ) {}

  get hasPass(): boolean {
    return this.verdict !== undefined || this.manual !== undefined;
  }

  get plate(): string | undefined {
    return this.manual?.plate ?? this.pass?.plate;
  }

  summary(): NonNullable<LaneState['transit']> {
    return {
      transitId: this.id,
      startedAt: this.startedAt,
      tailgate: this.tailgate,
      manual: this.manual !== undefined,
      ...(this.pass ? { pass: this.pass } : {}),
      ...(this.temperatureC === undefined ? {} : { temperatureC: this.temperatureC }),
      ...(this.decision
        ? {
            decision: {
              outcome: this.decision.outcome,
              reasons: this.decision.reasons,
              ...(this.decision.bay ? { bay: this.decision.bay } : {}),
            },
          }
        : {}),
    };
  }
}

export function summarizeVerdict(v: Verdict): PassSummary {
  const f = v.facts;
  return {
    kind: v.kind,
    valid: v.valid,
    steps: v.steps,
    reasons: v.reasons,
    tests: f.tests,
    ...(f.plate ? { plate: f.plate } : {}),
    ...(f.subject ? { subject: f.subject } : {}),
    ...(f.color ? { color: f.color } : {}),
    ...(f.certificateType ? { certificateType: f.certificateType } : {}),
    ...(f.expiresAt === undefined ? {} : { expiresAt: f.expiresAt }),
  };
}
