import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Random } from '../random.ts';
import type { LaneStaffTraffic } from '../scenario/schema.ts';
import type { DecisionSeen, LaneStaff, YardStaff } from './gateway-link.ts';
import type { LaneVisit } from './lane-visit.ts';
import type { SimEventLog } from './sim-events.ts';
import type { SimStats } from './stats.ts';

export interface LaneStaffContext {
  clock: Clock;
  random: Random;
  log: SimEventLog;
  stats: SimStats;
  /** The kiosk staff's requests, while the gateway can be asked. */
  staff: () => LaneStaff | undefined;
  /** The yard coordinator's requests, while the gateway can be asked. */
  yardStaff: () => YardStaff | undefined;
  /** The visit on the loop of a lane now (undefined on an empty loop). */
  onLoop: (lane: string) => LaneVisit | undefined;
  /** Whether the lane is a yard exit lane. */
  isExit: (lane: string) => boolean;
  /** The bay a truck on its way out of the yard was parked in. */
  bayOf: (truckId: string) => string | undefined;
  /** Whether yard staff released the truck from isolation already (the gateway's visit has ended). */
  released: (truckId: string) => boolean;
}

/** The reason code of a yard exit's REVIEW for a truck it could not match to a cleared visit. */
const NOT_CLEARED = 'yard-not-cleared';

/**
 * The kiosk staff at the entry lanes: a REVIEW decision (other than a wait for a fever recheck,
 * which the lane settles by itself) is looked at and decided by hand `reviewAfter` later, with an
 * override to the scenario's outcome, as long as the same transit is still on the loop and still
 * in REVIEW. Without them a REVIEW truck waits out its patience and backs off.
 *
 * At a yard exit lane, a REVIEW `yard-not-cleared` (a truck the exit could not match to its
 * visit: a code that never verified, a pass without a plate) is the coordinator's: they find the
 * truck's bay, release it there (refused unless the truck may leave) and the exit's staff let it
 * through with a PASS. Without them such a truck gives up at the exit and stays in the
 * gateway's yard. A truck they released from isolation themselves is no longer in the gateway's
 * yard (its visit ended with the release, its bay is blocked for disinfection): the exit cannot
 * match it, and they let it through with a PASS without asking the yard again.
 */
export class LaneStaffRunner {
  private readonly timers = new Set<TimerHandle>();

  constructor(
    private readonly ctx: LaneStaffContext,
    private readonly settings: LaneStaffTraffic,
  ) {}

  onDecision(d: DecisionSeen): void {
    if (d.outcome !== 'REVIEW' || d.reasons?.includes('recheck-required')) return;
    if (this.ctx.isExit(d.lane) && !d.reasons?.includes(NOT_CLEARED)) return;
    if (!this.ctx.onLoop(d.lane)) return;
    const { clock, random } = this.ctx;
    const timer = clock.setTimeout(
      () => {
        this.timers.delete(timer);
        void this.decide(d);
      },
      random.uniform(this.settings.reviewAfter.min, this.settings.reviewAfter.max),
    );
    this.timers.add(timer);
  }

  stop(): void {
    for (const t of this.timers) this.ctx.clock.clearTimeout(t);
    this.timers.clear();
  }

  private async decide(d: DecisionSeen): Promise<void> {
    const { log, stats } = this.ctx;
    const visit = this.ctx.onLoop(d.lane);
    const still = visit?.decision?.transitId === d.transitId && visit.decision.outcome === 'REVIEW';
    const staff = this.ctx.staff();
    if (!still || !staff) return;
    const reasons = d.reasons?.join(', ') || 'no reason given';
    if (this.ctx.isExit(d.lane)) {
      if (visit && this.ctx.released(visit.truck.id)) {
        log.emit('gateway', `${d.lane} request override`, 'PASS', 'released from isolation');
        if (await staff.decide(d.lane, 'PASS', `released from isolation by the coordinator: ${reasons}`))
          stats.laneOverrides++;
        else stats.staffFailed('exit override');
        return;
      }
      const bay = visit ? this.ctx.bayOf(visit.truck.id) : undefined;
      const yard = this.ctx.yardStaff();
      if (!bay || !yard) return;
      log.emit('gateway', `bay ${bay}`, 'request release', 'identified at the exit');
      if (!(await yard.release(bay, `identified at the exit by the coordinator (${reasons})`))) {
        stats.staffFailed('exit release');
        return;
      }
      log.emit('gateway', `${d.lane} request override`, 'PASS', reasons);
      if (await staff.decide(d.lane, 'PASS', `released by the coordinator: ${reasons}`))
        stats.laneOverrides++;
      else stats.staffFailed('exit override');
      return;
    }
    log.emit('gateway', `${d.lane} request override`, this.settings.outcome, reasons);
    const ok = await staff.decide(d.lane, this.settings.outcome, `checked at the kiosk: ${reasons}`);
    if (ok) stats.laneOverrides++;
    else stats.staffFailed('override');
  }
}
