import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { ArmState } from '../devices/barrier/arm.ts';
import {
  APPROACH_FROM_M,
  detectorPlaces,
  drawProfile,
  STOP_AT_M,
  VehicleOnLane,
  type VehicleProfile,
} from '../devices/barrier/vehicle-passage.ts';
import type { PlatePushKind } from '../devices/camera/push-camera.ts';
import type { Random } from '../random.ts';
import { CREW_GAP, CREW_HOLD, crewReadings } from './crew-order.ts';
import type { DeviceActions } from './device-actions.ts';
import type { DecisionSeen } from './gateway-link.ts';
import type { Truck } from './population.ts';
import type { SimEventLog } from './sim-events.ts';

export interface VisitContext {
  clock: Clock;
  random: Random;
  actions: DeviceActions;
  log: SimEventLog;
}

export interface VisitOptions {
  /** A tailgater follows the truck ahead through the open barrier: no scan, no temperature. */
  tailgater: boolean;
  /** Whether the driver leans out to the lane's thermometer. */
  measure: boolean;
  /** How long the truck waits for the barrier before backing off the loop (clock ms). */
  patienceMs: number;
  /** Its shape and speed (default: drawn for the truck, rigid or tractor-trailer). */
  profile?: VehicleProfile;
  /**
   * Told to wait for a recheck (a decision with reason `recheck-required`), a driver alone in the
   * cab steps up to the thermometer again this long after (clock ms) and waits for the barrier as
   * long as their patience lasts from then. A crew's recheck is staff's (a handheld reading).
   */
  recheckPauseMs?: number;
}

/** How a visit ended: through the open barrier, or backed off after `patienceMs`. */
export type VisitEnd = 'through' | 'backed-off';

/** Timings of a visit, clock ms: drawn uniformly between the two. */
const SCAN_AFTER: [number, number] = [1000, 4000];
/** After the recheck pause, the driver steps up again this much later. */
const RECHECK_AFTER: [number, number] = [2000, 10000];
const TARGET_AFTER: [number, number] = [500, 4000];
const TARGET_FOR: [number, number] = [3000, 4500];
/** How far behind the loop a tailgater is when the truck ahead is through, in seconds of its speed. */
const TAILGATER_BEHIND_S = 1.2;
/** The driver pulls away this long after the arm is fully open. */
const PULL_AWAY: [number, number] = [500, 1500];
/** A plate camera reads the truck as it rolls up, then again a moment later (one sighting). */
const PLATE_AFTER: [number, number] = [200, 1500];
const READ_AGAIN_AFTER: [number, number] = [300, 1200];

/** How a plate camera's read of a truck goes: mostly clean; sometimes misread, late, or in GBK. */
function plateReadKind(random: Random): PlatePushKind {
  if (random.chance(0.03)) return 'misread';
  if (random.chance(0.02)) return 'late';
  return random.chance(0.3) ? 'gbk' : 'read';
}

/**
 * One truck at one lane, as the devices see it: it rolls up over the barrier's detectors (an
 * arming loop first, where there is one) and stops on the safety loop, short of the arm's line;
 * from the moment it is on the loop, the driver's code is scanned and the driver leans out to
 * the thermometer, in either order, within a few seconds; then the truck waits for the barrier.
 * It pulls away only once the arm is fully open, and its tractor, coupling and trailer pass
 * over each detector in turn (a tractor-trailer's coupling leaves the loop dark for a moment);
 * if the arm starts to move, the truck stops where it is. It never drives through a closed arm:
 * after `patienceMs` on the loop without an open barrier it backs off (staff take over).
 */
export class LaneVisit {
  decision: DecisionSeen | undefined;
  private readonly timers = new Set<TimerHandle>();
  private patience: TimerHandle | undefined;
  private rechecked = false;
  private departure: TimerHandle | undefined;
  private pending: number;
  private done = false;
  private onLoop = false;
  private stopped = false;
  private pulling = false;
  private readonly vehicle: VehicleOnLane;
  private readonly mainLoop: string;
  private readonly offState: () => void;

  constructor(
    private readonly ctx: VisitContext,
    readonly lane: string,
    readonly truck: Truck,
    readonly options: VisitOptions,
    private readonly onEnd: (visit: LaneVisit, end: VisitEnd) => void,
  ) {
    this.pending = options.tailgater ? 0 : 1 + (options.measure ? 1 : 0);
    const core = ctx.actions.barrier(lane).core;
    this.mainLoop = core.mainLoop;
    const onState = (state: ArmState) => this.onBarrier(state);
    core.on('state', onState);
    this.offState = () => core.off('state', onState);
    // Its own stream: drawing the vehicle shifts nothing else a seed draws.
    const profile = options.profile ?? drawProfile(ctx.random.fork(`vehicle ${truck.id}`));
    this.vehicle = new VehicleOnLane(
      ctx.clock,
      detectorPlaces(core.detectors),
      profile,
      (name, high) => this.detector(name, high),
      // A tailgater is right behind the truck ahead: on the loop 1.2 s after it starts, later
      // than a trailer's coupling would be (the barrier's 1.5 s gap), before the arm comes down.
      options.tailgater ? -1 - profile.speedMps * TAILGATER_BEHIND_S : APPROACH_FROM_M,
    );
  }

  get profile(): VehicleProfile {
    return this.vehicle.profile;
  }

  /** The driver has been scanned and measured (a tailgater never is). */
  get checked(): boolean {
    return this.pending === 0;
  }

  start(): void {
    this.vehicle.driveTo(STOP_AT_M, () => {
      this.stopped = true;
      this.evaluate();
    });
  }

  /** The vehicle comes onto or leaves one of the barrier's detectors. */
  private detector(name: string, high: boolean): void {
    const { actions } = this.ctx;
    if (name !== this.mainLoop) {
      actions.detector(this.lane, name, this.truck.id, high);
      return;
    }
    if (high) actions.vehicleOn(this.lane, this.truck.id);
    else actions.vehicleOff(this.lane, this.truck.id);
    if (high && !this.onLoop) {
      this.onLoop = true;
      this.arrived();
    }
  }

  /** On the loop: the driver is checked, and waits for the barrier as long as their patience lasts. */
  private arrived(): void {
    const { actions, log, random } = this.ctx;
    const t = this.truck;
    log.emit('truck', t.id, this.options.tailgater ? 'tailgates' : 'on loop', this.lane);
    // The plate camera sees every truck, the tailgater too; the thermal camera only a driver who stops.
    if (actions.hasPlateCamera(this.lane)) {
      this.after(random.uniform(...PLATE_AFTER), () => {
        actions.plateSeen(this.lane, t.holder.plate, plateReadKind(random));
        if (random.chance(0.5))
          this.after(random.uniform(...READ_AGAIN_AFTER), () =>
            actions.plateSeen(this.lane, t.holder.plate, 'duplicate'),
          );
      });
    }
    if (!this.options.tailgater && actions.hasThermalCamera(this.lane)) {
      this.after(random.uniform(...TARGET_AFTER), () =>
        actions.cameraTemperature(this.lane, t.temperatureC, random.chance(0.2) ? 'fahrenheit' : 'celsius'),
      );
    }
    if (!this.options.tailgater) {
      this.after(random.uniform(...SCAN_AFTER), () => {
        actions.scan(this.lane, t.code);
        // A crew shows its passes one after another, then each leans out (crew-order.ts).
        for (const m of t.crew) actions.scan(this.lane, m.code);
        this.checkedOne();
        if (this.options.measure && t.crew.length > 0) this.measureEach(crewReadings(t));
      });
      if (this.options.measure && t.crew.length === 0) {
        this.after(random.uniform(...TARGET_AFTER), () => {
          actions.presentTarget(this.lane, t.temperatureC);
          this.after(random.uniform(...TARGET_FOR), () => {
            actions.removeTarget(this.lane);
            this.checkedOne();
          });
        });
      }
    }
    this.patience = this.after(this.options.patienceMs, () => this.backOff());
    this.evaluate();
  }

  /** The gateway decided this truck's transit (again, after a recheck). */
  decided(d: DecisionSeen): void {
    this.decision = d;
    const pause = this.options.recheckPauseMs;
    if (this.done || this.rechecked || pause === undefined || !this.options.measure) return;
    if (this.truck.crew.length > 0 || !d.reasons?.includes('recheck-required')) return;
    this.rechecked = true;
    const { actions, clock, log, random } = this.ctx;
    log.emit('truck', this.truck.id, 'waits for a recheck', this.lane);
    if (this.patience) clock.clearTimeout(this.patience);
    const again = pause + random.uniform(...RECHECK_AFTER);
    this.after(again, () => {
      actions.presentTarget(this.lane, this.truck.temperatureC);
      this.after(random.uniform(...TARGET_FOR), () => actions.removeTarget(this.lane));
    });
    this.patience = this.after(again + this.options.patienceMs, () => this.backOff());
  }

  /** Each person of a crew leans out to the thermometer in turn (the target away between them). */
  private measureEach(temps: readonly number[]): void {
    const [c, ...rest] = temps;
    if (c === undefined) {
      this.checkedOne();
      return;
    }
    const { actions, random } = this.ctx;
    this.after(random.uniform(...CREW_GAP), () => {
      actions.presentTarget(this.lane, c);
      this.after(random.uniform(...CREW_HOLD), () => {
        actions.removeTarget(this.lane);
        this.measureEach(rest);
      });
    });
  }

  /** Cancels every timer and listener without touching the devices (the simulation is stopping). */
  cancel(): void {
    this.done = true;
    this.vehicle.halt();
    this.clearTimers();
  }

  private checkedOne(): void {
    this.pending--;
    this.evaluate();
  }

  private onBarrier(state: ArmState): void {
    if (this.done) return;
    if (state !== 'open' && (this.departure || this.pulling)) {
      // The arm moves while the truck is pulling away: it stops where it is.
      this.cancelDeparture();
      this.vehicle.halt();
      this.pulling = false;
      this.ctx.log.emit('truck', this.truck.id, 'stops', `${this.lane} arm ${state}`);
    }
    this.evaluate();
  }

  private evaluate(): void {
    if (this.done || this.departure || this.pulling || !this.checked || !this.stopped) return;
    if (this.ctx.actions.barrier(this.lane).state !== 'open') return;
    this.departure = this.after(this.ctx.random.uniform(...PULL_AWAY), () => {
      this.departure = undefined;
      if (this.ctx.actions.barrier(this.lane).state !== 'open') {
        this.evaluate();
        return;
      }
      this.pulling = true;
      this.vehicle.driveThrough(() => this.finish('through'));
    });
  }

  private backOff(): void {
    if (this.done) return;
    this.ctx.log.emit('truck', this.truck.id, 'backs off', this.lane);
    this.finish('backed-off');
  }

  private finish(end: VisitEnd): void {
    if (this.done) return;
    if (this.options.measure) this.ctx.actions.removeTarget(this.lane);
    this.vehicle.leave();
    this.ctx.actions.vehicleOff(this.lane, this.truck.id);
    if (end === 'through') this.ctx.log.emit('truck', this.truck.id, 'through', this.lane);
    this.done = true;
    this.clearTimers();
    this.onEnd(this, end);
  }

  private cancelDeparture(): void {
    if (!this.departure) return;
    this.ctx.clock.clearTimeout(this.departure);
    this.timers.delete(this.departure);
    this.departure = undefined;
  }

  private after(ms: number, fn: () => void): TimerHandle {
    const handle = this.ctx.clock.setTimeout(() => {
      this.timers.delete(handle);
      if (!this.done) fn();
    }, ms);
    this.timers.add(handle);
    return handle;
  }

  private clearTimers(): void {
    for (const t of this.timers) this.ctx.clock.clearTimeout(t);
    this.timers.clear();
    this.departure = undefined;
    this.offState();
  }
}
