import type { TimerHandle } from '../../core/clock.ts';
import type { LaneTraffic } from '../scenario/schema.ts';
import type { DecisionSeen } from './gateway-link.ts';
import { LaneVisit, type VisitContext, type VisitEnd } from './lane-visit.ts';
import type { Population, Truck } from './population.ts';
import type { SimStats } from './stats.ts';

export interface LaneRunnerContext extends VisitContext {
  population: Population;
  stats: SimStats;
  /**
   * The site's rules.recheckPauseMs when a screening fever is rechecked (rules.feverConfirm
   * `recheck`): a driver told to wait steps up to the thermometer again after it.
   */
  recheckPauseMs?: number;
}

/** The next truck reaches a free loop this long after the last one left it (clock ms). */
const FOLLOW_GAP: [number, number] = [3000, 8000];
/** A tailgater starts this soon after the truck ahead is through, right behind the loop (lane-visit.ts). */
const TAILGATE_GAP: [number, number] = [400, 1000];
/** How often the head of the queue looks again while the loop is held or the arm is not down. */
const LOOP_RECHECK_MS = 2000;

/**
 * One lane's traffic: random (Poisson) arrivals at `arrivalsPerHour` plus bursts, a queue of
 * trucks waiting for the loop, and one visit at a time on the loop. Yard exit lanes make no
 * arrivals of their own; the yard queues its leaving trucks there.
 */
export class LaneRunner {
  current: LaneVisit | undefined;
  private readonly queue: Truck[] = [];
  private arrivalTimer: TimerHandle | undefined;
  private burstTimer: TimerHandle | undefined;
  private readonly burstTimers = new Set<TimerHandle>();
  private advanceTimer: TimerHandle | undefined;
  private tailgates = 0;
  private running = false;
  /** When the truck at the head of the queue started waiting for the lane. */
  private waitingSince: number | undefined;

  constructor(
    private readonly ctx: LaneRunnerContext,
    readonly id: string,
    readonly kind: 'entry' | 'yard-exit',
    private traffic: LaneTraffic,
    private readonly onVisitEnd: (visit: LaneVisit, end: VisitEnd) => void,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  get settings(): Readonly<LaneTraffic> {
    return this.traffic;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.scheduleArrivals();
    this.scheduleBurst();
  }

  stop(): void {
    this.running = false;
    const { clock } = this.ctx;
    clock.clearTimeout(this.arrivalTimer);
    clock.clearTimeout(this.burstTimer);
    clock.clearTimeout(this.advanceTimer);
    for (const t of this.burstTimers) clock.clearTimeout(t);
    this.burstTimers.clear();
    this.current?.cancel();
    this.current = undefined;
  }

  /** New traffic from now on (a timeline entry): the arrival process restarts at the new rate. */
  setTraffic(traffic: LaneTraffic): void {
    this.traffic = traffic;
    if (!this.running) return;
    this.ctx.clock.clearTimeout(this.arrivalTimer);
    this.ctx.clock.clearTimeout(this.burstTimer);
    this.scheduleArrivals();
    this.scheduleBurst();
  }

  /** A truck joins the back of the queue; false if the queue is full and it turns away. */
  enqueue(truck: Truck): boolean {
    if (this.queue.length >= this.traffic.queueMax) {
      this.ctx.stats.turnedAway++;
      this.ctx.log.emit('truck', truck.id, 'turns away', `${this.id} queue full`);
      return false;
    }
    this.queue.push(truck);
    this.pump();
    return true;
  }

  /** The next time a truck drives through the open barrier, another follows it onto the loop. */
  tailgateNext(): void {
    this.tailgates++;
  }

  /** Gives a decision to the truck on the loop if it has none yet; false if there is no such truck. */
  offerDecision(d: DecisionSeen): boolean {
    const v = this.current;
    // A truck's transit decided again (after a recheck) is still that truck's.
    if (!v || (v.decision && v.decision.transitId !== d.transitId)) return false;
    v.decided(d);
    return true;
  }

  /** Random arrivals: exponential gaps at the mean rate (a Poisson process). */
  private scheduleArrivals(): void {
    const rate = this.traffic.arrivalsPerHour;
    if (this.kind !== 'entry' || !this.running || !(rate > 0)) return;
    this.arrivalTimer = this.ctx.clock.setTimeout(
      () => {
        this.arrivalTimer = undefined;
        this.arrive();
        this.scheduleArrivals();
      },
      this.ctx.random.exponential(3_600_000 / rate),
    );
  }

  /** Bursts: `size` trucks, `spacing` apart, every `every`. */
  private scheduleBurst(): void {
    const burst = this.traffic.burst;
    if (this.kind !== 'entry' || !this.running || !burst) return;
    const { clock, random } = this.ctx;
    this.burstTimer = clock.setTimeout(() => {
      this.burstTimer = undefined;
      let at = 0;
      for (let i = 0; i < burst.size; i++) {
        const t = clock.setTimeout(() => {
          this.burstTimers.delete(t);
          this.arrive();
        }, at);
        this.burstTimers.add(t);
        at += random.uniform(burst.spacing.min, burst.spacing.max);
      }
      this.scheduleBurst();
    }, burst.every);
  }

  private arrive(): void {
    const { population, stats, log } = this.ctx;
    const truck = population.next(this.traffic.passes, this.traffic.feverRate);
    stats.arrivals++;
    stats.count(stats.passKinds, truck.passKind);
    if (truck.fever) stats.fevers++;
    stats.crew += truck.crew.length;
    log.emit(
      'truck',
      truck.id,
      'arrives',
      `${this.id} ${truck.holder.plate} ${truck.passKind} ${truck.temperatureC.toFixed(1)}${truck.crew.length ? ` +${truck.crew.length} crew` : ''}`,
    );
    this.enqueue(truck);
  }

  /**
   * Sends the next queued truck onto the loop once the loop is free and the arm is down again
   * (drivers wait behind the line; only a tailgater follows through an open barrier). A barrier
   * that stays up longer than the truck's patience is driven up to anyway.
   */
  private pump(): void {
    if (!this.running || this.current || this.advanceTimer || this.queue.length === 0) return;
    const { clock, random } = this.ctx;
    this.waitingSince ??= clock.now();
    const ready = this.laneReady();
    this.advanceTimer = clock.setTimeout(
      () => {
        this.advanceTimer = undefined;
        if (this.current) return;
        if (!this.laneReady()) {
          this.pump();
          return;
        }
        this.waitingSince = undefined;
        const truck = this.queue.shift();
        if (truck) this.begin(truck, false);
      },
      ready ? random.uniform(...FOLLOW_GAP) : LOOP_RECHECK_MS,
    );
  }

  private laneReady(): boolean {
    const { actions, clock } = this.ctx;
    if (actions.loopOccupied(this.id)) return false;
    const waited = clock.now() - (this.waitingSince ?? clock.now());
    return actions.barrier(this.id).state === 'closed' || waited > this.traffic.patience;
  }

  private begin(truck: Truck, tailgater: boolean): void {
    const { actions, stats } = this.ctx;
    if (tailgater) stats.tailgates++;
    const visit = new LaneVisit(
      this.ctx,
      this.id,
      truck,
      {
        tailgater,
        measure: actions.hasThermometer(this.id),
        patienceMs: this.traffic.patience,
        ...(this.ctx.recheckPauseMs === undefined ? {} : { recheckPauseMs: this.ctx.recheckPauseMs }),
      },
      (v, end) => this.ended(v, end),
    );
    this.current = visit;
    visit.start();
  }

  private ended(visit: LaneVisit, end: VisitEnd): void {
    if (this.current === visit) this.current = undefined;
    if (end === 'through' && this.tailgates > 0 && this.running) {
      this.tailgates--;
      const follower = this.ctx.population.next(this.traffic.passes, this.traffic.feverRate);
      this.ctx.stats.arrivals++;
      this.ctx.stats.count(this.ctx.stats.passKinds, follower.passKind);
      this.advanceTimer = this.ctx.clock.setTimeout(
        () => {
          this.advanceTimer = undefined;
          this.begin(follower, true);
        },
        this.ctx.random.uniform(...TAILGATE_GAP),
      );
    }
    this.onVisitEnd(visit, end);
    this.pump();
  }
}
