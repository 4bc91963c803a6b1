import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Random } from '../random.ts';
import type { LaneStaffTraffic } from '../scenario/schema.ts';
import type { DecisionSeen, LaneStaff } from './gateway-link.ts';
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
  /** The visit on the loop of an entry lane now (undefined at a yard exit lane or an empty loop). */
  onLoop: (lane: string) => LaneVisit | undefined;
}

/**
 * The kiosk staff at the entry lanes: a REVIEW decision (other than a wait for a fever recheck,
 * which the lane settles by itself) is looked at and decided by hand `reviewAfter` later, with an
 * override to the scenario's outcome, as long as the same transit is still on the loop and still
 * in REVIEW. Without them a REVIEW truck waits out its patience and backs off.
 */
export class LaneStaffRunner {
  private readonly timers = new Set<TimerHandle>();

  constructor(
    private readonly ctx: LaneStaffContext,
    private readonly settings: LaneStaffTraffic,
  ) {}

  onDecision(d: DecisionSeen): void {
    if (d.outcome !== 'REVIEW' || d.reasons?.includes('recheck-required')) return;
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
    log.emit('gateway', `${d.lane} request override`, this.settings.outcome, reasons);
    const ok = await staff.decide(d.lane, this.settings.outcome, `checked at the kiosk: ${reasons}`);
    if (ok) stats.laneOverrides++;
    else stats.staffFailures++;
  }
}
