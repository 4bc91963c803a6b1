import type { Clock, TimerHandle } from '../../core/clock.ts';
import { ErrorCode, GatepostError } from '../../core/errors.ts';
import type { PassMint } from '../passes/pass-mint.ts';
import type { Random } from '../random.ts';
import type { LaneTraffic, LaneTrafficOverride, Scenario } from '../scenario/schema.ts';
import type { SimulatedSite } from '../site.ts';
import { DeviceActions } from './device-actions.ts';
import { type DecisionSeen, type GatewayLink, NO_GATEWAY } from './gateway-link.ts';
import { LaneRunner } from './lane-runner.ts';
import { LaneStaffRunner } from './lane-staff-runner.ts';
import type { LaneVisit, VisitEnd } from './lane-visit.ts';
import { Population, type Truck } from './population.ts';
import { SimEventLog } from './sim-events.ts';
import { SimStats } from './stats.ts';
import { type ExitRefusal, YardRunner } from './yard-runner.ts';

export interface TrafficOptions {
  site: SimulatedSite;
  clock: Clock;
  random: Random;
  mint: PassMint;
  traffic: Scenario['traffic'];
  /** Where decisions are seen and yard requests go; none by default. */
  link?: GatewayLink;
  log?: SimEventLog;
  stats?: SimStats;
}

/** How long a truck that drove through waits for its decision to show up before it is taken as unknown. */
const LATE_DECISION_MS = 15_000;

interface AwaitingDecision {
  visit: LaneVisit;
  timer: TimerHandle;
}

/**
 * The live traffic of a site: a LaneRunner per lane (arrivals, queue, visits) and a YardRunner
 * for the trucks the gateway sends to the yard. It drives the simulated devices only through
 * their control APIs (DeviceActions) and sees the gateway only through a GatewayLink, so it
 * works the same beside the gateway in one process and against a gateway started separately.
 * All randomness comes from `random` and all timing from `clock`.
 */
export class TrafficGenerator {
  readonly actions: DeviceActions;
  readonly log: SimEventLog;
  readonly stats: SimStats;
  readonly population: Population;
  readonly lanes = new Map<string, LaneRunner>();
  readonly yard: YardRunner;
  /** The kiosk staff who decide REVIEW transits by hand, when the scenario has them. */
  private readonly laneStaff: LaneStaffRunner | undefined;
  private readonly link: GatewayLink;
  private readonly awaiting = new Map<string, AwaitingDecision[]>();
  private readonly overrides = new Map<string, LaneTrafficOverride>();
  /** Trucks on their way out through the yard exit lane, by truck id. */
  private readonly exitCallbacks = new Map<string, (through: boolean, why?: ExitRefusal) => void>();
  private defaults: LaneTraffic;
  private readonly exitLane: string | undefined;
  private offDecision: (() => void) | undefined;
  private running = false;

  constructor(private readonly options: TrafficOptions) {
    const { site, clock, random, traffic } = options;
    this.link = options.link ?? NO_GATEWAY;
    this.log = options.log ?? new SimEventLog(clock);
    this.stats = options.stats ?? new SimStats();
    this.actions = new DeviceActions(site, this.log);
    this.log.onEvent((e) => {
      if (e.kind !== 'device') return;
      if (e.action === 'present') this.stats.scans++;
      else if (e.action === 'presentTarget') this.stats.measurements++;
    });
    this.population = new Population(random.fork('population'), options.mint);
    this.defaults = traffic.default;
    for (const [id, o] of Object.entries(traffic.lanes)) this.overrides.set(id, o);
    const config = site.config;
    const lanes = [...config.checkpoints.flatMap((c) => c.lanes), ...config.yard.exitLanes];
    for (const lane of lanes) {
      const ctx = {
        clock,
        random: random.fork(`lane/${lane.id}`),
        actions: this.actions,
        log: this.log,
        stats: this.stats,
        population: this.population,
        ...(config.rules.feverConfirm === 'recheck' ? { recheckPauseMs: config.rules.recheckPauseMs } : {}),
      };
      const runner = new LaneRunner(ctx, lane.id, lane.kind, this.settingsOf(lane.id), (v, end) =>
        this.visitEnded(runner, v, end),
      );
      this.lanes.set(lane.id, runner);
    }
    this.exitLane = traffic.yard.exitLane ?? config.yard.exitLanes[0]?.id;
    this.yard = new YardRunner(
      {
        clock,
        random: random.fork('yard'),
        actions: this.actions,
        log: this.log,
        stats: this.stats,
        staff: () => (this.link.connected ? this.link.staff : undefined),
        toExit: (truck, onExit) => this.toExit(truck, onExit),
      },
      traffic.yard,
    );
    this.laneStaff = traffic.laneStaff
      ? new LaneStaffRunner(
          {
            clock,
            random: random.fork('lane-staff'),
            log: this.log,
            stats: this.stats,
            staff: () => (this.link.connected ? this.link.laneStaff : undefined),
            yardStaff: () => (this.link.connected ? this.link.staff : undefined),
            onLoop: (lane) => this.lanes.get(lane)?.current,
            isExit: (lane) => this.lanes.get(lane)?.kind === 'yard-exit',
            bayOf: (truckId) => this.yard.bayOf(truckId),
            released: (truckId) => this.yard.released(truckId),
          },
          traffic.laneStaff,
        )
      : undefined;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.offDecision = this.link.onDecision((d) => this.onDecision(d));
    for (const lane of this.lanes.values()) lane.start();
  }

  /** Stops every timer; the devices stay as they are (stop the site to unplug them). */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.offDecision?.();
    for (const lane of this.lanes.values()) lane.stop();
    for (const list of this.awaiting.values()) for (const a of list) this.options.clock.clearTimeout(a.timer);
    this.awaiting.clear();
    this.yard.stop();
    this.laneStaff?.stop();
    this.actions.stop();
  }

  lane(id: string): LaneRunner {
    const lane = this.lanes.get(id);
    if (!lane) throw new GatepostError(ErrorCode.NotFound, `no lane ${id}`);
    return lane;
  }

  /** Changes the traffic of one lane, or the default of every lane (a timeline `traffic` entry). */
  setTraffic(lane: string | undefined, change: LaneTrafficOverride): void {
    if (lane === undefined) {
      this.defaults = { ...this.defaults, ...change };
      for (const runner of this.lanes.values()) runner.setTraffic(this.settingsOf(runner.id));
    } else {
      this.overrides.set(lane, { ...this.overrides.get(lane), ...change });
      this.lane(lane).setTraffic(this.settingsOf(lane));
    }
    this.log.emit('scenario', lane ?? 'all lanes', 'traffic', JSON.stringify(change));
  }

  private settingsOf(lane: string): LaneTraffic {
    return { ...this.defaults, ...this.overrides.get(lane) };
  }

  private onDecision(d: DecisionSeen): void {
    if (!this.running) return;
    this.stats.count(this.stats.decisions, d.outcome);
    this.log.emit('gateway', `${d.lane} decision`, d.outcome, [d.plate, d.bay].filter(Boolean).join(' '));
    this.laneStaff?.onDecision(d);
    const waiting = this.awaiting.get(d.lane) ?? [];
    // A truck that already drove through, by plate; else the truck on the loop; else the oldest waiting.
    let i = waiting.findIndex((a) => d.plate !== undefined && a.visit.truck.holder.plate === d.plate);
    if (i < 0 && this.lanes.get(d.lane)?.offerDecision(d)) return;
    if (i < 0) i = 0;
    const late = waiting[i];
    if (!late) return;
    waiting.splice(i, 1);
    this.options.clock.clearTimeout(late.timer);
    late.visit.decision = d;
    this.route(late.visit);
  }

  private visitEnded(runner: LaneRunner, visit: LaneVisit, end: VisitEnd): void {
    if (end === 'backed-off') {
      this.stats.backedOff++;
      if (runner.kind === 'yard-exit') this.exitCallbacks.get(visit.truck.id)?.(false, 'backed off');
      this.exitCallbacks.delete(visit.truck.id);
      return;
    }
    if (runner.kind === 'yard-exit') {
      this.exitCallbacks.get(visit.truck.id)?.(true);
      this.exitCallbacks.delete(visit.truck.id);
      return;
    }
    this.stats.through++;
    if (visit.decision || !this.link.connected) {
      this.route(visit);
      return;
    }
    // Drove through before its decision arrived over the broker: wait a little for it.
    const list = this.awaiting.get(runner.id) ?? [];
    const entry: AwaitingDecision = {
      visit,
      timer: this.options.clock.setTimeout(() => {
        const i = list.indexOf(entry);
        if (i >= 0) list.splice(i, 1);
        this.route(visit);
      }, LATE_DECISION_MS),
    };
    list.push(entry);
    this.awaiting.set(runner.id, list);
  }

  /** Where a truck goes after it drove through an entry lane: the yard when a bay was reserved for it. */
  private route(visit: LaneVisit): void {
    const d = visit.decision;
    if (d?.bay && (d.outcome === 'YARD' || d.outcome === 'ISOLATE' || d.outcome === 'REVIEW')) {
      this.yard.admit(visit.truck, d.bay, d.outcome === 'ISOLATE');
      return;
    }
    this.log.emit('truck', visit.truck.id, 'gone', d ? d.outcome : 'no decision seen');
  }

  private toExit(truck: Truck, onExit: (through: boolean, why?: ExitRefusal) => void): void {
    const lane = this.exitLane === undefined ? undefined : this.lanes.get(this.exitLane);
    if (!lane) {
      onExit(true);
      return;
    }
    this.exitCallbacks.set(truck.id, onExit);
    if (!lane.enqueue(truck)) {
      this.exitCallbacks.delete(truck.id);
      onExit(false, 'queue full');
    }
  }
}
