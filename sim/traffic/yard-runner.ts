import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Random } from '../random.ts';
import type { DurationRange } from '../scenario/duration.ts';
import type { YardTraffic } from '../scenario/schema.ts';
import type { DeviceActions } from './device-actions.ts';
import type { SampleKind, YardStaff } from './gateway-link.ts';
import type { Truck } from './population.ts';
import type { SimEventLog } from './sim-events.ts';
import type { SimStats } from './stats.ts';

export interface YardContext {
  clock: Clock;
  random: Random;
  actions: DeviceActions;
  log: SimEventLog;
  stats: SimStats;
  /** The yard staff, when there is a gateway to ask (looked up on every use: the broker comes and goes). */
  staff: () => YardStaff | undefined;
  /**
   * Sends a truck that left its bay to the yard exit lane; `onExit(true)` once it has driven out,
   * `onExit(false, why)` when it did not get through.
   */
  toExit: (truck: Truck, onExit: (through: boolean, why?: ExitRefusal) => void) => void;
}

/** Why a truck did not get out by the yard exit lane: its queue was full, or it waited out its patience there. */
export type ExitRefusal = 'queue full' | 'backed off';

interface YardTruck {
  truck: Truck;
  bay: string;
  isolated: boolean;
  /** Staff released it from isolation: the gateway's visit ended, the truck drives out. */
  released?: boolean;
  exitTries: number;
}

/** A truck turned back at the exit lane tries again this much later, this many times at most. */
const EXIT_RETRY: DurationRange = { min: 300_000, max: 600_000 };
const EXIT_TRIES = 3;
/** From a bay to an isolation bay (clock ms). */
export const YARD_MOVE_DRIVE: DurationRange = { min: 60_000, max: 120_000 };

/**
 * The trucks the gateway sent to the yard, and the yard staff around them. A truck drives to
 * its reserved bay and occupies its sensor; staff swab the driver a few minutes later and
 * record the result about 15 minutes after that (positive at `positiveRate`). After a negative
 * result the truck leaves its bay (the sensor frees) and drives out through the exit lane;
 * after a positive one staff move it to an isolation bay, where it stays `isolationStay` before
 * it is released and leaves the same way. With `pcrAfter`, staff swab an isolated driver for a
 * PCR test and record its result (positive at `pcrPositiveRate`) before the release; with
 * `disinfection`, they unblock the isolation bay that long after the truck left it. Staff act
 * through the gateway's yard requests when there is a gateway; without one the trucks keep the
 * same timings.
 */
export class YardRunner {
  private readonly trucks = new Map<string, YardTruck>();
  private readonly timers = new Set<TimerHandle>();
  private running = true;

  constructor(
    private readonly ctx: YardContext,
    private settings: YardTraffic,
  ) {}

  get size(): number {
    return this.trucks.size;
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers) this.ctx.clock.clearTimeout(t);
    this.timers.clear();
  }

  /** Whether staff released the truck from isolation (it is on its way out, the gateway's visit over). */
  released(truckId: string): boolean {
    return this.trucks.get(truckId)?.released === true;
  }

  /** The bay of a truck in the yard or on its way out of it. */
  bayOf(truckId: string): string | undefined {
    return this.trucks.get(truckId)?.bay;
  }

  /** A truck sent to `bay` by a lane's decision drives there. */
  admit(truck: Truck, bay: string, isolated: boolean): void {
    const y: YardTruck = { truck, bay, isolated, exitTries: 0 };
    this.trucks.set(truck.id, y);
    this.ctx.log.emit('truck', truck.id, 'drives to bay', bay);
    this.after(this.settings.driveToBay, () => this.park(y));
  }

  private park(y: YardTruck): void {
    const { actions, stats, log } = this.ctx;
    actions.occupyBay(y.bay);
    stats.parked++;
    stats.inYard++;
    log.emit('truck', y.truck.id, 'parks', y.bay);
    this.after(this.settings.sampleAfter, () => void this.sample(y));
  }

  private async sample(y: YardTruck): Promise<void> {
    const staff = this.ctx.staff();
    if (staff) {
      this.ctx.log.emit('gateway', `bay ${y.bay}`, 'request sample');
      const ok = await staff.sample(y.bay);
      if (!this.running) return;
      if (ok) this.ctx.stats.samples++;
      else this.ctx.stats.staffFailed('sample');
    }
    this.after(this.settings.resultAfter, () => void this.result(y));
  }

  private async result(y: YardTruck): Promise<void> {
    const positive = this.ctx.random.chance(this.settings.positiveRate);
    const result = positive ? 'positive' : 'negative';
    if (positive) this.ctx.stats.positives++;
    else this.ctx.stats.negatives++;
    const staff = this.ctx.staff();
    if (staff) {
      this.ctx.log.emit('gateway', `bay ${y.bay}`, 'request result', result);
      const ok = await staff.result(y.bay, result);
      if (!this.running) return;
      if (!ok) this.ctx.stats.staffFailed('result');
    } else {
      this.ctx.log.emit('truck', y.truck.id, 'tested', result);
    }
    if (!positive) {
      this.after(this.settings.leaveAfter, () => this.leave(y));
      return;
    }
    if (!y.isolated) await this.isolate(y);
    if (!this.running) return;
    const stay = this.draw(this.settings.isolationStay);
    const pcr = this.settings.pcrAfter;
    if (pcr === undefined) {
      this.afterMs(stay, () => void this.release(y));
      return;
    }
    // A PCR swab confirms the antigen result; the truck stays until its result is in.
    await this.swab(y, 'pcr');
    if (!this.running) return;
    const pcrMs = this.draw(pcr);
    this.afterMs(pcrMs, () => void this.pcrResult(y));
    this.afterMs(Math.max(stay, pcrMs + 1), () => void this.release(y));
  }

  private async swab(y: YardTruck, kind: SampleKind): Promise<void> {
    const staff = this.ctx.staff();
    if (!staff) return;
    this.ctx.log.emit('gateway', `bay ${y.bay}`, 'request sample', kind);
    const ok = await staff.sample(y.bay, kind);
    if (ok) this.ctx.stats.samples++;
    else this.ctx.stats.staffFailed('sample');
  }

  private async pcrResult(y: YardTruck): Promise<void> {
    const result = this.ctx.random.chance(this.settings.pcrPositiveRate) ? 'positive' : 'negative';
    const staff = this.ctx.staff();
    if (!staff) {
      this.ctx.log.emit('truck', y.truck.id, 'tested', `pcr ${result}`);
      return;
    }
    this.ctx.log.emit('gateway', `bay ${y.bay}`, 'request result', `pcr ${result}`);
    if (!(await staff.result(y.bay, result, 'pcr'))) this.ctx.stats.staffFailed('pcr result');
  }

  private async isolate(y: YardTruck): Promise<void> {
    const staff = this.ctx.staff();
    y.isolated = true;
    if (!staff) return;
    this.ctx.log.emit('gateway', `bay ${y.bay}`, 'request move', 'isolation');
    const to = await staff.moveToIsolation(y.bay);
    if (!this.running) return;
    if (to === undefined) {
      this.ctx.stats.staffFailed('move');
      return;
    }
    this.ctx.stats.movedToIsolation++;
    const from = y.bay;
    this.ctx.actions.freeBay(from);
    this.ctx.log.emit('truck', y.truck.id, 'moves', `${from} -> ${to}`);
    y.bay = to;
    this.after(YARD_MOVE_DRIVE, () => this.ctx.actions.occupyBay(to));
  }

  private async release(y: YardTruck): Promise<void> {
    const staff = this.ctx.staff();
    if (staff) {
      this.ctx.log.emit('gateway', `bay ${y.bay}`, 'request release');
      const ok = await staff.release(y.bay, 'isolation over (simulated)');
      if (!this.running) return;
      if (!ok) this.ctx.stats.staffFailed('release');
      else y.released = true;
    }
    // The bay an isolated truck leaves is blocked for disinfection; staff unblock it once done.
    const bay = y.bay;
    const disinfection = this.settings.disinfection;
    if (disinfection !== undefined && staff?.unblock) {
      this.after(disinfection, () => void this.unblock(bay));
    }
    this.leave(y);
  }

  private async unblock(bay: string): Promise<void> {
    const staff = this.ctx.staff();
    if (!staff?.unblock) return;
    this.ctx.log.emit('gateway', `bay ${bay}`, 'request unblock');
    if (!(await staff.unblock(bay))) this.ctx.stats.staffFailed('unblock');
  }

  private leave(y: YardTruck): void {
    const { actions, stats, log } = this.ctx;
    actions.freeBay(y.bay);
    stats.inYard--;
    log.emit('truck', y.truck.id, 'leaves bay', y.bay);
    this.after(this.settings.driveToExit, () => this.exit(y));
  }

  private exit(y: YardTruck): void {
    y.exitTries++;
    this.ctx.toExit(y.truck, (through, why) => {
      if (!this.running) return;
      if (through) {
        this.trucks.delete(y.truck.id);
        this.ctx.stats.leftYard++;
        return;
      }
      if (y.exitTries >= EXIT_TRIES) {
        this.trucks.delete(y.truck.id);
        const last = why ?? 'turned back';
        this.ctx.stats.count(this.ctx.stats.gaveUpAtExit, last);
        this.ctx.log.emit('truck', y.truck.id, 'gives up', `yard exit never opened (last: ${last})`);
        return;
      }
      this.after(EXIT_RETRY, () => this.exit(y));
    });
  }

  private draw(range: DurationRange): number {
    return this.ctx.random.uniform(range.min, range.max);
  }

  private after(range: DurationRange, fn: () => void): void {
    this.afterMs(this.draw(range), fn);
  }

  private afterMs(ms: number, fn: () => void): void {
    const handle = this.ctx.clock.setTimeout(() => {
      this.timers.delete(handle);
      if (this.running) fn();
    }, ms);
    this.timers.add(handle);
  }
}
