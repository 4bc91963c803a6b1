/**
 * One injectable clock for the whole process. Domain timers (barrier auto-close, transit
 * timeouts, yard test timers) take a Clock, never the global timer functions, so that tests can
 * drive time by hand and the simulator can run a day in minutes.
 */
export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds since the epoch, in this clock's time. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
  /** Resolves after `ms` of this clock's time. */
  sleep(ms: number): Promise<void>;
  /** How many of this clock's milliseconds pass in one real millisecond (1 for real time). */
  readonly scale: number;
}

let nextHandleId = 1;

/**
 * Real time, optionally sped up: `now()` runs `scale` times faster than the wall clock from
 * `startAt`, and timers fire after `ms / scale` real milliseconds.
 */
export class ScaledClock implements Clock {
  private readonly realStart = performance.now();
  private readonly timers = new Map<number, NodeJS.Timeout>();

  constructor(
    readonly scale = 1,
    private readonly startAt = Date.now(),
  ) {
    if (!(scale > 0) || !Number.isFinite(scale))
      throw new RangeError(`clock scale must be > 0, got ${scale}`);
  }

  now(): number {
    if (this.scale === 1) return Date.now() + (this.startAt - this.wallAtStart);
    return Math.round(this.startAt + (performance.now() - this.realStart) * this.scale);
  }

  private readonly wallAtStart = Date.now();

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = nextHandleId++;
    const t = setTimeout(
      () => {
        this.timers.delete(id);
        fn();
      },
      Math.max(0, ms / this.scale),
    );
    this.timers.set(id, t);
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const t = this.timers.get(handle.id);
    if (t) clearTimeout(t);
    this.timers.delete(handle.id);
  }

  /** Timers and intervals waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const id = nextHandleId++;
    this.timers.set(id, setInterval(fn, Math.max(1, ms / this.scale)));
    return { id };
  }

  clearInterval(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const t = this.timers.get(handle.id);
    if (t) clearInterval(t);
    this.timers.delete(handle.id);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }
}

/** The wall clock. */
export const systemClock: Clock = new ScaledClock(1);

interface ManualTimer {
  id: number;
  at: number;
  every?: number;
  fn: () => void;
}

/**
 * A clock that moves only when told to. `advance(ms)` fires every timer due in that span, in
 * time order, letting promise callbacks settle between timers.
 */
export class ManualClock implements Clock {
  readonly scale = 1;
  private t: number;
  private readonly timers = new Map<number, ManualTimer>();

  constructor(startAt = Date.UTC(2026, 10, 22, 8, 0, 0)) {
    this.t = startAt;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = nextHandleId++;
    this.timers.set(id, { id, at: this.t + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.timers.delete(handle.id);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const id = nextHandleId++;
    const every = Math.max(1, ms);
    this.timers.set(id, { id, at: this.t + every, every, fn });
    return { id };
  }

  clearInterval(handle: TimerHandle | undefined): void {
    this.clearTimeout(handle);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Number of timers waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }

  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const next = this.nextDue(end);
      if (!next) break;
      this.t = next.at;
      if (next.every !== undefined) next.at += next.every;
      else this.timers.delete(next.id);
      next.fn();
      await flushMicrotasks();
    }
    this.t = end;
    await flushMicrotasks();
  }

  private nextDue(end: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const timer of this.timers.values()) {
      if (timer.at <= end && (!best || timer.at < best.at || (timer.at === best.at && timer.id < best.id))) {
        best = timer;
      }
    }
    return best;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}
