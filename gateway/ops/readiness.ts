/** The conditions of readiness (`/readyz`, and the cold-start figure of the benchmarks). */
export type ReadyCondition = 'broker' | 'devices' | 'state';

/** A device's health now: any state but `offline` means its port or lines were opened. */
export interface DeviceHealthEntry {
  /** e.g. `east-1/scanner`, `bus/bus-3`. */
  id: string;
  state: 'online' | 'offline' | 'degraded';
}

export interface ReadinessReport {
  ready: boolean;
  /** Milliseconds from `startedAt` to ready (performance.now() time base), once ready. */
  readyAfterMs?: number;
  conditions: Record<ReadyCondition, boolean>;
  /** Devices not yet opened once. */
  waitingFor: string[];
  /**
   * When each step was reached, in ms since the process started (performance.now()): `created`
   * (startGateway began: node and the modules loaded), `broker` and `state`, `parts` (every part
   * started: store, broker, trust list, lanes), `devices` (the last device seen opened, named in
   * `lastDevice`). Where a slow start spends its time (the cold-start bench prints them).
   */
  milestones: Partial<Record<ReadyCondition | 'created' | 'parts', number>> & { lastDevice?: string };
}

/**
 * Ready = the broker listens (or the external one is connected), every configured device has
 * been opened at least once, and the gateway's `online` state is published. Each condition
 * latches: a scanner unplugged later makes its device unhealthy (see `/metrics`), not the
 * gateway unready, so an orchestrator does not restart a working checkpoint for one cable.
 *
 * Devices are polled (every `pollMs` for 30 s after start, then every 500 ms, until all were seen)
 * through the `devices` sources the gateway adds as it starts its parts.
 */
export class Readiness {
  private readonly marked = new Set<ReadyCondition>();
  private readonly sources: (() => DeviceHealthEntry[])[] = [];
  private readonly seen = new Set<string>();
  private readonly waiters = new Set<() => void>();
  private readonly milestones: ReadinessReport['milestones'] = {};
  private expectingSources = true;
  private readyAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly startedAt = performance.now(),
    private readonly pollMs = 10,
  ) {
    this.milestones.created = Math.round(startedAt);
  }

  mark(condition: ReadyCondition): void {
    this.marked.add(condition);
    this.milestones[condition] ??= this.since();
    this.evaluate();
  }

  /** A part with devices (the lanes, the bay sensor buses); polled until each was opened once. */
  addDevices(source: () => DeviceHealthEntry[]): void {
    this.sources.push(source);
    this.evaluate();
    if (!this.timer && this.readyAt === undefined) this.poll(false);
  }

  /** Every part with devices has been added: from now on, no pending device means `devices`. */
  allDevicesAdded(): void {
    this.expectingSources = false;
    this.milestones.parts ??= this.since();
    this.evaluate();
  }

  get ready(): boolean {
    return this.readyAt !== undefined;
  }

  /** Resolves once ready. */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => this.waiters.add(resolve));
  }

  report(): ReadinessReport {
    this.evaluate();
    const waitingFor = this.pending();
    const conditions = {
      broker: this.marked.has('broker'),
      devices: !this.expectingSources && waitingFor.length === 0,
      state: this.marked.has('state'),
    };
    return {
      ready: this.ready,
      ...(this.readyAt !== undefined ? { readyAfterMs: this.readyAt - this.startedAt } : {}),
      conditions,
      waitingFor,
      milestones: { ...this.milestones },
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.waiters.clear();
  }

  /** Often while starting (the cold-start figure depends on it), then seldom after 30 s: a
   * device that is not there at all may stay missing for days. */
  private poll(slow: boolean): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(
      () => {
        this.evaluate();
        if (!slow && this.timer && performance.now() - this.startedAt > 30_000) this.poll(true);
      },
      slow ? 500 : this.pollMs,
    );
    this.timer.unref();
  }

  private since(): number {
    return Math.round(performance.now());
  }

  private pending(): string[] {
    const waiting: string[] = [];
    for (const source of this.sources) {
      for (const d of source()) {
        if (d.state !== 'offline') {
          if (!this.seen.has(d.id)) {
            this.seen.add(d.id);
            this.milestones.devices = this.since();
            this.milestones.lastDevice = d.id;
          }
        } else if (!this.seen.has(d.id)) waiting.push(d.id);
      }
    }
    return waiting;
  }

  private evaluate(): void {
    if (this.readyAt !== undefined) return;
    const waiting = this.pending();
    if (!this.marked.has('broker') || !this.marked.has('state') || this.expectingSources) return;
    if (waiting.length > 0) return;
    this.readyAt = performance.now();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const w of this.waiters) w();
    this.waiters.clear();
  }
}
