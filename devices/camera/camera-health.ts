import type { Clock, TimerHandle } from '../../core/clock.ts';
import { HealthCell, type HealthChange, type HealthRule, type HealthSample } from '../health.ts';
import { wireClockFor } from '../serial/wire-clock.ts';

/**
 * A push camera speaks only when it has something (a read, a heartbeat): like the scanner it is
 * never offline for silence alone unless cameras.silentAfterMs says how long a camera with
 * heartbeats may stay quiet; 3 refused pushes (bad body, wrong secret) in 60 s: degraded.
 * It starts offline and is online from its first good push.
 */
export const CAMERA_HEALTH_RULE = {
  offlineAfterFailures: Number.POSITIVE_INFINITY,
  offlineAfterMs: 0,
  onlineAfterAnswers: 1,
  windowSamples: 20,
  windowMs: 60_000,
  degradedAt: 3,
  recoverAt: 0,
} as const satisfies HealthRule;

/** One camera's health cell and its silence timer. */
export class CameraHealth {
  private readonly cell: HealthCell;
  private silence: TimerHandle | undefined;
  private readonly wire;

  constructor(
    clock: Clock,
    private readonly silentAfterMs: number,
    onChange: (change: HealthChange) => void,
  ) {
    this.wire = wireClockFor(clock);
    this.cell = new HealthCell({ rule: CAMERA_HEALTH_RULE, wire: this.wire, onChange });
  }

  get state() {
    return this.cell.state;
  }

  get counts() {
    return this.cell.counts;
  }

  /** A push: `good` (accepted), `poor` (accepted but odd), `noise` (refused). */
  sample(kind: HealthSample, reason: string): void {
    this.cell.sample(kind, reason);
    if (this.silentAfterMs > 0 && kind !== 'noise') {
      this.wire.clearTimeout(this.silence);
      this.silence = this.wire.setTimeout(
        () => this.cell.lost(`no push for ${this.silentAfterMs} ms`),
        this.silentAfterMs,
      );
    }
  }

  dispose(): void {
    this.wire.clearTimeout(this.silence);
    this.cell.dispose();
  }
}
