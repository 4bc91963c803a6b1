import type { Clock, TimerHandle } from '../../core/clock.ts';
import { errorMessage } from '../../core/errors.ts';
import { FaultInjector } from '../faults/injector.ts';
import { PassMint } from '../passes/pass-mint.ts';
import { writeTrustList } from '../passes/trust-list-writer.ts';
import { Random } from '../random.ts';
import type { SimulatedSite } from '../site.ts';
import type { GatewayLink } from '../traffic/gateway-link.ts';
import { SimEventLog } from '../traffic/sim-events.ts';
import { TrafficGenerator } from '../traffic/traffic.ts';
import { type FaultEntry, isFaultEntry, type Scenario, type TimelineEntry } from './schema.ts';

export interface SimulationRunOptions {
  /** The simulated devices (started by the caller, in-process or over PTYs). */
  site: SimulatedSite;
  scenario: Scenario;
  /** The run's seed (the scenario's, the config's, or `--seed`). */
  seed: number;
  clock: Clock;
  /** Where decisions are seen and the yard staff act; none by default. */
  link?: GatewayLink;
}

/**
 * One run of a scenario on a site: the pass mint, the traffic, the fault injector and the
 * timeline, all from one seed and on one clock. `start()` begins the traffic and schedules the
 * timeline; `finished` resolves when the scenario's duration has passed on the clock.
 */
export class SimulationRun {
  readonly random: Random;
  readonly mint: PassMint;
  readonly log: SimEventLog;
  readonly traffic: TrafficGenerator;
  readonly faults: FaultInjector;
  readonly finished: Promise<void>;
  private finish: () => void = () => undefined;
  private readonly timers = new Set<TimerHandle>();
  private started = false;

  constructor(private readonly options: SimulationRunOptions) {
    const { clock, seed, site, scenario } = options;
    this.random = new Random(seed);
    this.mint = new PassMint({ seed, now: () => clock.now() });
    this.log = new SimEventLog(clock);
    this.traffic = new TrafficGenerator({
      site,
      clock,
      random: this.random.fork('traffic'),
      mint: this.mint,
      traffic: scenario.traffic,
      log: this.log,
      ...(options.link ? { link: options.link } : {}),
    });
    this.faults = new FaultInjector(this.traffic, clock, this.random.fork('faults'), this.mint);
    this.finished = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  get scenario(): Scenario {
    return this.options.scenario;
  }

  /** Writes the trust list the gateway needs for this run's passes (before the gateway loads it). */
  async writeTrustList(path: string): Promise<void> {
    await writeTrustList(path, this.mint.trustList());
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.log.markStart();
    this.traffic.start();
    for (const entry of this.options.scenario.timeline) this.schedule(entry);
    const duration = this.options.scenario.duration;
    if (duration !== undefined) this.after(duration, () => this.finish());
  }

  /** Schedules a timeline entry at its `at` (run time; at once if that has passed), and its repeats. */
  schedule(entry: TimelineEntry, round = 0): void {
    const repeat = isFaultEntry(entry) ? entry.repeat : undefined;
    const at = entry.at + round * (repeat?.every ?? 0);
    this.after(Math.max(0, at - this.log.elapsed()), () => {
      this.apply(entry);
      if (repeat && round + 1 < repeat.times) this.schedule(entry, round + 1);
    });
  }

  stop(): void {
    for (const t of this.timers) this.options.clock.clearTimeout(t);
    this.timers.clear();
    this.faults.stop();
    this.traffic.stop();
    this.finish();
  }

  private apply(entry: TimelineEntry): void {
    if (!isFaultEntry(entry)) {
      this.traffic.setTraffic(entry.lane, entry.traffic);
      return;
    }
    this.faults.inject(entry as FaultEntry).catch((e: unknown) => {
      this.log.emit('fault', entry.fault, 'failed', errorMessage(e));
    });
  }

  private after(ms: number, fn: () => void): void {
    const handle = this.options.clock.setTimeout(() => {
      this.timers.delete(handle);
      fn();
    }, ms);
    this.timers.add(handle);
  }
}
