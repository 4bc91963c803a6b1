import type { PlateColour } from '../../core/plate-colour.ts';
import type { Verdict } from '../passes/verdict.ts';
import { Crew } from './crew.ts';
import type { Decision } from './decision-schema.ts';
import type { LaneInput } from './input-stages.ts';
import type { DecisionRecord, LaneState, PassSummary, PreRegisteredTruck } from './lane-records.ts';
import { ScanBudget } from './scan-budget.ts';

export type TransitPhase = 'collecting' | 'deciding' | 'decided' | 'leaving' | 'ended';

/** The vehicle of a transit, as registered by hand (a pass names only its plate). */
export interface Vehicle {
  plate: string;
  plateColour?: PlateColour;
  trailerPlate?: string;
}

/**
 * One vehicle's passage through a lane: what is known about it so far. Its crew holds every
 * person in the cab, each with their own pass, temperature and registration (crew.ts).
 */
export class Transit {
  phase: TransitPhase = 'collecting';
  readonly crew = new Crew();
  /** The vehicle registered by hand (the latest registration's plate, colour and trailer). */
  vehicle: Vehicle | undefined;
  /** The lane's plate camera's read of the vehicle (the latest sighting while the transit is open). */
  sighting: { camera: string; plate: string; colour: PlateColour; at: number } | undefined;
  /** The central office's announcement of its plate, looked up when it is decided (decision-rules.ts). */
  preRegistration: PreRegisteredTruck | undefined;
  decision: DecisionRecord | undefined;
  /** The crew's shape (Crew.shape) at the last decision. */
  decidedCrew = '';
  /** Each person's own decision at the last decision, by seat. */
  personDecisions: ReadonlyMap<number, Decision> = new Map();
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
  lastInput: LaneInput | undefined;
  /** Its scans against the store's budget: repeats counted, codes beyond the budget refused. */
  readonly scans = new ScanBudget();

  constructor(
    readonly id: string,
    readonly startedAt: number,
    public tailgate: boolean,
  ) {}

  /** The driver's pass (seat 1). */
  get pass(): PassSummary | undefined {
    return this.crew.first?.pass;
  }

  /** The driver's verdict (seat 1). */
  get verdict(): Verdict | undefined {
    return this.crew.first?.verdict;
  }

  /** Someone in the cab was registered by hand. */
  get manual(): boolean {
    return this.crew.members.some((m) => m.manual !== undefined);
  }

  /** The highest temperature of the crew. */
  get temperatureC(): number | undefined {
    return this.crew.highestC;
  }

  /** The last unverified code scanned for this transit (a yard exit looks it up as a plate). */
  get unverifiedCode(): string | undefined {
    return this.crew.members.findLast((m) => m.unverifiedCode !== undefined)?.unverifiedCode;
  }

  /** The plate registered by hand, else the one the plate camera read, else the first a pass names. */
  get plate(): string | undefined {
    return (
      this.vehicle?.plate ?? this.sighting?.plate ?? this.crew.members.find((m) => m.pass?.plate)?.pass?.plate
    );
  }

  /**
   * The plate's colour: registered by hand, else as the plate camera read it (when staff
   * registered the plate without a colour, only if the camera read that plate).
   */
  get plateColour(): PlateColour | undefined {
    if (this.vehicle?.plateColour) return this.vehicle.plateColour;
    const seen = this.sighting;
    if (!seen) return undefined;
    const key = (p: string) => p.replace(/[\s.\-·]/g, '').toUpperCase();
    return !this.vehicle || key(this.vehicle.plate) === key(seen.plate) ? seen.colour : undefined;
  }

  summary(): NonNullable<LaneState['transit']> {
    const temperatureC = this.temperatureC;
    const plate = this.plate;
    return {
      transitId: this.id,
      startedAt: this.startedAt,
      tailgate: this.tailgate,
      manual: this.manual,
      ...(this.pass ? { pass: this.pass } : {}),
      ...(temperatureC === undefined ? {} : { temperatureC }),
      ...(plate ? { plate } : {}),
      ...(this.plateColour ? { plateColour: this.plateColour } : {}),
      ...(this.vehicle?.trailerPlate ? { trailerPlate: this.vehicle.trailerPlate } : {}),
      ...(this.crew.size > 0
        ? {
            persons: this.crew.members.map((m) => {
              const d = this.decision ? this.personDecisions.get(m.seat) : undefined;
              return {
                seat: m.seat,
                role: m.role,
                manual: m.manual !== undefined,
                ...(m.pass ? { pass: m.pass } : {}),
                ...(m.temperatureC === undefined ? {} : { temperatureC: m.temperatureC }),
                ...(d ? { outcome: d.outcome, reasons: d.reasons } : {}),
              };
            }),
          }
        : {}),
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
    ...(f.origin ? { origin: f.origin } : {}),
    ...(f.destination ? { destination: f.destination } : {}),
    ...(f.expiresAt === undefined ? {} : { expiresAt: f.expiresAt }),
  };
}
