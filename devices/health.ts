import type { TimerHandle } from '../core/clock.ts';
import type { WireClock } from './serial/wire-clock.ts';

/**
 * Device health as the gateway publishes it (retained, one topic per device): `online` answers
 * as it should, `degraded` answers but something is wrong (sensor fault, noisy line, late
 * replies), `offline` does not answer or its port is gone.
 */
export type HealthState = 'online' | 'offline' | 'degraded';

export interface HealthChange {
  state: HealthState;
  previous: HealthState;
  reason: string;
}

/**
 * One exchange with a device, as its driver saw it:
 * - `good`: an answer as it should be, on time;
 * - `poor`: the device answered, but late or with an error of its own (a Modbus exception, a
 *   reply after its timeout, a sweep with some sensors silent): it is there, but not well;
 * - `noise`: bytes where an answer was due that are no answer (CRC error, garbled line): not
 *   proof that the device is there;
 * - `silent`: no answer in time.
 */
export type HealthSample = 'good' | 'poor' | 'noise' | 'silent';

/**
 * The one debounce rule every device's health follows; each device kind has its numbers
 * (HEALTH_RULES, docs/devices.md):
 * - offline at once when the port is gone (`lost`); otherwise only after `offlineAfterFailures`
 *   consecutive failures (noise or silent) AND `offlineAfterMs` without an answer (good or
 *   poor), so a noisy but present device is never called offline;
 * - back from offline after `onlineAfterAnswers` consecutive answers (good or poor); at start,
 *   before it was ever up, after the first answer;
 * - degraded (when not offline) while the device reports a fault of its own, or when at least
 *   `degradedAt` of the window's samples (the last `windowSamples`, none older than
 *   `windowMs`; failures in a row still going on are left to the offline rule, if it has one) are not good; back to online when at most `recoverAt` are, and not before it
 *   has been degraded for `windowMs` (so noise changes it at most twice per window).
 */
export interface HealthRule {
  offlineAfterFailures: number;
  offlineAfterMs: number;
  onlineAfterAnswers: number;
  windowSamples: number;
  windowMs: number;
  degradedAt: number;
  recoverAt: number;
}

/** Every device kind's numbers. A device that speaks only when it has something (the scanner) is never offline for silence. */
export const HEALTH_RULES = {
  /** Polled every 200 ms, 150 ms timeout: 5 failures and 3 s without an answer; 3 answers to return. */
  thermometer: {
    offlineAfterFailures: 5,
    offlineAfterMs: 3000,
    onlineAfterAnswers: 3,
    windowSamples: 20,
    windowMs: 10_000,
    degradedAt: 5,
    recoverAt: 1,
  },
  /** STATUS every 5 s (1 s while not online), 500 ms timeout: 3 failures and 3 s without an answer. */
  serialBarrier: {
    offlineAfterFailures: 3,
    offlineAfterMs: 3000,
    onlineAfterAnswers: 2,
    windowSamples: 10,
    windowMs: 60_000,
    degradedAt: 3,
    recoverAt: 0,
  },
  /** GPIO lines do not answer: online once they are set up, degraded while the arm is in fault. */
  gpioBarrier: {
    offlineAfterFailures: Number.POSITIVE_INFINITY,
    offlineAfterMs: 0,
    onlineAfterAnswers: 1,
    windowSamples: 1,
    windowMs: 1,
    degradedAt: Number.POSITIVE_INFINITY,
    recoverAt: 0,
  },
  /** Speaks only when a code is read: offline only when its port is gone; 3 bad reads in 60 s: degraded. */
  scanner: {
    offlineAfterFailures: Number.POSITIVE_INFINITY,
    offlineAfterMs: 0,
    onlineAfterAnswers: 1,
    windowSamples: 20,
    windowMs: 60_000,
    degradedAt: 3,
    recoverAt: 0,
  },
  /** One sample per sweep of the bus: 2 sweeps in a row with no sensor answering (and 1 s); degraded while sensors are offline. */
  bayBus: {
    offlineAfterFailures: 2,
    offlineAfterMs: 1000,
    onlineAfterAnswers: 1,
    windowSamples: 5,
    windowMs: 60_000,
    degradedAt: 2,
    recoverAt: 0,
  },
} as const satisfies Record<string, HealthRule>;

export interface HealthCellOptions {
  rule: HealthRule;
  /** Real time (the driver's wire clock): windows and the silence bound are physical time. */
  wire: WireClock;
  onChange: (change: HealthChange) => void;
}

export interface HealthCounts {
  good: number;
  poor: number;
  noise: number;
  silent: number;
  lost: number;
  changes: number;
}

/** Holds one device's health under its HealthRule and reports changes only. Starts offline. */
export class HealthCell {
  private current: HealthState = 'offline';
  private readonly rule: HealthRule;
  private readonly wire: WireClock;
  private readonly onChange: (change: HealthChange) => void;
  private failures = 0;
  private answers = 0;
  private lastAnswerAt: number;
  private recent: { at: number; good: boolean }[] = [];
  private noisy = false;
  private everUp = false;
  private noisySince = 0;
  private faultReason: string | undefined;
  private recheck: TimerHandle | undefined;
  readonly counts: HealthCounts = { good: 0, poor: 0, noise: 0, silent: 0, lost: 0, changes: 0 };

  constructor(options: HealthCellOptions) {
    this.rule = options.rule;
    this.wire = options.wire;
    this.onChange = options.onChange;
    this.lastAnswerAt = this.wire.now();
  }

  get state(): HealthState {
    return this.current;
  }

  /** Consecutive failures (noise or silent) since the last answer. */
  get failureStreak(): number {
    return this.failures;
  }

  /** Records one exchange; `reason` says what happened (it becomes the change's reason). */
  sample(kind: HealthSample, reason: string): void {
    const now = this.wire.now();
    this.counts[kind]++;
    // The window judges a device that is up: an outage's failures are explained by the outage.
    if (this.current !== 'offline') {
      this.recent.push({ at: now, good: kind === 'good' });
      if (this.recent.length > this.rule.windowSamples) this.recent.shift();
    }
    if (kind === 'good' || kind === 'poor') {
      this.failures = 0;
      this.answers++;
      this.lastAnswerAt = now;
    } else {
      this.failures++;
      this.answers = 0;
    }
    if (this.current === 'offline') {
      // At start (never up yet) the first answer will do: there is nothing to flap from.
      if (this.answers >= (this.everUp ? this.rule.onlineAfterAnswers : 1)) {
        this.everUp = true;
        this.set(this.upState(), this.upReason(reason));
      }
      return;
    }
    const silentFor = now - this.lastAnswerAt;
    if (this.failures >= this.rule.offlineAfterFailures && silentFor >= this.rule.offlineAfterMs) {
      this.set(
        'offline',
        `${this.failures} failures in a row, no answer for ${Math.round(silentFor)} ms: ${reason}`,
      );
      return;
    }
    this.judgeNoise(now);
    this.set(this.upState(), this.upReason(reason));
  }

  /** The port or the line is gone (or the driver stopped): offline at once. */
  lost(reason: string): void {
    this.counts.lost++;
    this.failures = 0;
    this.answers = 0;
    this.set('offline', reason);
  }

  /** The device itself reports a fault (`reason`) or that it cleared (`undefined`). */
  fault(reason: string | undefined): void {
    this.faultReason = reason;
    if (this.current === 'offline') return;
    this.set(this.upState(), reason ?? 'fault cleared');
  }

  /** Stops the re-check timer (call from the driver's stop). */
  dispose(): void {
    this.wire.clearTimeout(this.recheck);
    this.recheck = undefined;
  }

  private upState(): HealthState {
    return this.faultReason !== undefined || this.noisy ? 'degraded' : 'online';
  }

  private upReason(reason: string): string {
    if (this.faultReason !== undefined) return this.faultReason;
    if (this.noisy)
      return `${this.notGood()} of the last ${this.recent.length} exchanges not good: ${reason}`;
    return reason;
  }

  /**
   * Samples of the window that were not good, leaving out the failures in a row still going on:
   * those are the offline rule's to judge (an outage goes offline, not degraded first); once an
   * answer ends them they count here.
   */
  private notGood(): number {
    const streak = Number.isFinite(this.rule.offlineAfterFailures) ? this.failures : 0;
    const judged = this.recent.slice(0, Math.max(0, this.recent.length - streak));
    return judged.reduce((n, s) => n + (s.good ? 0 : 1), 0);
  }

  /** Drops samples older than the window; enters or leaves "noisy" by the rule. */
  private judgeNoise(now: number): void {
    this.recent = this.recent.filter((s) => now - s.at < this.rule.windowMs);
    const bad = this.notGood();
    if (!this.noisy && bad >= this.rule.degradedAt) {
      this.noisy = true;
      this.noisySince = now;
    } else if (this.noisy && bad <= this.rule.recoverAt && now - this.noisySince >= this.rule.windowMs) {
      this.noisy = false;
    }
    this.wire.clearTimeout(this.recheck);
    this.recheck = undefined;
    // A device that goes quiet (a scanner between trucks) must still recover: look again later.
    if (this.noisy) {
      const oldest = this.recent[0]?.at ?? now;
      const at = Math.max(this.noisySince + this.rule.windowMs, oldest + this.rule.windowMs);
      this.recheck = this.wire.setTimeout(
        () => {
          this.recheck = undefined;
          if (this.current === 'offline') return;
          this.judgeNoise(this.wire.now());
          this.set(this.upState(), this.noisy ? 'still noisy' : 'no bad exchanges lately');
        },
        Math.max(1, at - now),
      );
    }
  }

  private set(state: HealthState, reason: string): void {
    if (state === this.current) return;
    if (state === 'offline') {
      this.recent = [];
      this.noisy = false;
      this.dispose();
    }
    const previous = this.current;
    this.current = state;
    this.counts.changes++;
    this.onChange({ state, previous, reason });
  }
}
