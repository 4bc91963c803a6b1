import type { Clock, TimerHandle } from '../../../core/clock.ts';
import type { BarrierDetector } from '../../../devices/barrier/detectors.ts';
import type { Random } from '../../random.ts';

/**
 * A truck's shape as the barrier's detectors see it, in metres: the tractor (or a rigid truck),
 * the stretch between tractor and trailer that no detector sees (the high coupling; 0 without a
 * trailer) and the trailer; and how fast it moves, metres a second.
 */
export interface VehicleProfile {
  kind: 'rigid' | 'tractor-trailer';
  tractorM: number;
  gapM: number;
  trailerM: number;
  speedMps: number;
}

/** Where a detector sees a vehicle along the lane, metres (the arm's line at 0, travel toward +). */
export interface DetectorPlace {
  name: string;
  from: number;
  to: number;
}

/** Loops are 2 m long: the safety loop centred under the arm, the arming loop before, the reset loop past it. */
const LOOP_AT: Record<BarrierDetector['role'], [number, number]> = {
  presence: [-1, 1],
  arming: [-9, -7],
  reset: [4, 6],
};

/** The lane's layout for these detectors: each photo-eye is a beam across the arm's line. */
export function detectorPlaces(detectors: readonly BarrierDetector[]): DetectorPlace[] {
  return detectors.map((d) => {
    if (d.role === 'presence' && d.kind === 'photo-eye') return { name: d.name, from: 0, to: 0 };
    const [from, to] = LOOP_AT[d.role];
    return { name: d.name, from, to };
  });
}

/** Where a truck comes from (its front, before the arming loop) and where it stops at the arm. */
export const APPROACH_FROM_M = -11;
export const STOP_AT_M = -0.3;

/**
 * A truck as it comes: 4 in 10 rigid (8-10 m), the rest tractor-trailers (tractor 5.5-6.5 m,
 * unseen coupling 2.5-4.4 m, trailer 12-13.6 m), at 2-3 m/s. Over the 2 m safety loop the
 * coupling is a drop of at most (4.4 - 2) / 2 = 1.2 s: within the barrier's trailer gap.
 */
export function drawProfile(r: Random): VehicleProfile {
  const speedMps = r.uniform(2, 3);
  if (r.chance(0.4)) return { kind: 'rigid', tractorM: r.uniform(8, 10), gapM: 0, trailerM: 0, speedMps };
  return {
    kind: 'tractor-trailer',
    tractorM: r.uniform(5.5, 6.5),
    gapM: r.uniform(2.5, 4.4),
    trailerM: r.uniform(12, 13.6),
    speedMps,
  };
}

/** The whole length of the vehicle, front to rear. */
export function lengthOf(p: VehicleProfile): number {
  return p.tractorM + (p.trailerM > 0 ? p.gapM + p.trailerM : 0);
}

/** A small step past a breakpoint, so that an edge is judged on the side the vehicle moves to. */
const EPS = 1e-6;

/**
 * One vehicle moving along the lane on the injected clock: it sets each detector (through
 * `set`) as its tractor, coupling and trailer come over it. It moves forward only, stops where
 * it is on `halt()`, and `leave()` takes it off every detector at once (backing away).
 */
export class VehicleOnLane {
  private front: number;
  private motion: { from: number; to: number; at: number; onArrive?: () => void } | undefined;
  private timer: TimerHandle | undefined;
  private readonly seen = new Map<string, boolean>();

  constructor(
    private readonly clock: Clock,
    private readonly places: readonly DetectorPlace[],
    readonly profile: VehicleProfile,
    private readonly set: (name: string, high: boolean) => void,
    front = APPROACH_FROM_M,
  ) {
    this.front = front;
    this.apply(front);
  }

  /** Where its front is now, metres. */
  get position(): number {
    const m = this.motion;
    if (!m) return this.front;
    return Math.min(m.to, m.from + (this.profile.speedMps * (this.clock.now() - m.at)) / 1000);
  }

  get moving(): boolean {
    return this.motion !== undefined;
  }

  /** The detectors it is on now. */
  on(name: string): boolean {
    return this.seen.get(name) ?? false;
  }

  /** Drives forward to `to` at the profile's speed; `onArrive` once there. */
  driveTo(to: number, onArrive?: () => void): void {
    this.halt();
    if (to <= this.front) {
      onArrive?.();
      return;
    }
    this.motion = { from: this.front, to, at: this.clock.now(), ...(onArrive ? { onArrive } : {}) };
    this.next();
  }

  /** Drives on until its rear is past every detector. */
  driveThrough(onGone?: () => void): void {
    const last = Math.max(...this.places.map((p) => p.to), 0);
    this.driveTo(last + lengthOf(this.profile) + 1, onGone);
  }

  /** Stops where it is; its detectors stay as they are. */
  halt(): void {
    if (!this.motion) return;
    this.front = this.position;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.motion = undefined;
  }

  /** Off every detector at once (it backs away, or the simulation ends). */
  leave(): void {
    this.halt();
    for (const [name, high] of this.seen) {
      if (!high) continue;
      this.seen.set(name, false);
      this.set(name, false);
    }
  }

  /** The next edge of any detector on the way, then the one after, until the target. */
  private next(): void {
    const m = this.motion;
    if (!m) return;
    const here = this.position;
    const edge = this.edges().find((e) => e > here + EPS / 2 && e <= m.to);
    const stop = edge ?? m.to;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.front = stop;
        this.apply(stop + EPS);
        if (edge === undefined || stop >= m.to) {
          this.front = m.to;
          this.motion = undefined;
          m.onArrive?.();
          return;
        }
        this.motion = { ...m, from: stop, at: this.clock.now() };
        this.next();
      },
      Math.max(0, ((stop - here) * 1000) / this.profile.speedMps),
    );
  }

  /** Fronts at which some detector starts or stops seeing the vehicle, ascending. */
  private edges(): number[] {
    const out: number[] = [];
    for (const p of this.places) for (const [near, far] of this.parts()) out.push(p.from + near, p.to + far);
    return [...new Set(out)].sort((a, b) => a - b);
  }

  /** Its parts as offsets behind the front: [near, far]. */
  private parts(): [number, number][] {
    const p = this.profile;
    const parts: [number, number][] = [[0, p.tractorM]];
    if (p.trailerM > 0) parts.push([p.tractorM + p.gapM, p.tractorM + p.gapM + p.trailerM]);
    return parts;
  }

  private apply(front: number): void {
    for (const place of this.places) {
      const high = this.parts().some(([near, far]) => front - far <= place.to && front - near >= place.from);
      if ((this.seen.get(place.name) ?? false) === high) continue;
      this.seen.set(place.name, high);
      this.set(place.name, high);
    }
  }
}
