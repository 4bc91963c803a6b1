import type { FaultKind } from '../faults/fault-kinds.ts';
import type { PassKind } from '../passes/pass-mint.ts';

export type Outcome = 'PASS' | 'YARD' | 'ISOLATE' | 'REVIEW';

/** Counters of a run, for the live summary and for tests. Plain numbers, updated by the traffic parts. */
export class SimStats {
  arrivals = 0;
  /** Arrivals turned away because the lane's queue was full. */
  turnedAway = 0;
  scans = 0;
  readonly passKinds = new Map<PassKind, number>();
  measurements = 0;
  fevers = 0;
  /** Co-drivers and escorts that came with the drivers (each their own pass and temperature). */
  crew = 0;
  /** Trucks that drove through an open barrier at an entry lane. */
  through = 0;
  backedOff = 0;
  tailgates = 0;
  readonly decisions = new Map<Outcome, number>();
  /** Trucks that reached a yard bay, and are in the yard now. */
  parked = 0;
  inYard = 0;
  samples = 0;
  negatives = 0;
  positives = 0;
  movedToIsolation = 0;
  /** Trucks that left the yard through its exit lane. */
  leftYard = 0;
  /** Trucks that gave up at the yard exit lane, by their last refusal (`queue full`, `backed off`). */
  readonly gaveUpAtExit = new Map<string, number>();
  /** REVIEW transits the kiosk staff decided by hand (traffic.laneStaff). */
  laneOverrides = 0;
  /** Yard and kiosk staff requests the gateway refused or did not answer. */
  staffFailures = 0;
  /** The same by request (`release`, `override`, ...). */
  readonly staffFailuresByAction = new Map<string, number>();
  readonly faults = new Map<FaultKind, number>();
  activeFaults = 0;

  /** A staff request (`action`) the gateway refused or did not answer. */
  staffFailed(action: string): void {
    this.staffFailures++;
    this.count(this.staffFailuresByAction, action);
  }

  count<K>(map: Map<K, number>, key: K): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  total(map: ReadonlyMap<unknown, number>): number {
    let n = 0;
    for (const v of map.values()) n += v;
    return n;
  }
}
