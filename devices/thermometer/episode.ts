import type { ThermometerSample } from './registers.ts';

/**
 * One measurement per presence episode, datasheet section 2, as a pure state machine over
 * polled samples:
 * - a poll with the fault bit counts for nothing;
 * - while a target is present and the reading stable, plausible readings (30.0-45.0 °C by
 *   default) are collected; an implausible one is reported and left out, never a fever;
 * - a sample that is not stable starts the window afresh;
 * - after `stableWindowMs` of stable readings, or when the target leaves, one measurement is
 *   published: the median of the window (objectC) with the median ambient of the same polls;
 * - then nothing more until the target has left.
 */
export interface EpisodeOptions {
  stableWindowMs: number;
  plausibleMinC: number;
  plausibleMaxC: number;
}

export type EpisodeOutput =
  | { kind: 'presence'; present: boolean }
  | { kind: 'implausible'; objectC: number }
  | {
      kind: 'measurement';
      objectC: number;
      ambientC: number;
      readings: number;
      windowMs: number;
      reason: 'stable-window' | 'target-left';
    };

type Phase = 'idle' | 'collecting' | 'done';

export class MeasurementEpisode {
  private phase: Phase = 'idle';
  private window: { objectC: number; ambientC: number; at: number }[] = [];

  constructor(private readonly options: EpisodeOptions) {}

  get state(): Phase {
    return this.phase;
  }

  sample(s: ThermometerSample, at: number): EpisodeOutput[] {
    if (s.fault) return [];
    const out: EpisodeOutput[] = [];
    if (!s.present) {
      if (this.phase === 'collecting' && this.window.length > 0) out.push(this.measure('target-left'));
      if (this.phase !== 'idle') out.push({ kind: 'presence', present: false });
      this.toIdle();
      return out;
    }
    if (this.phase === 'idle') {
      this.phase = 'collecting';
      out.push({ kind: 'presence', present: true });
    }
    if (this.phase === 'done') return out;
    if (!s.stable) {
      this.window = [];
      return out;
    }
    const { plausibleMinC, plausibleMaxC, stableWindowMs } = this.options;
    if (!(s.objectC >= plausibleMinC && s.objectC <= plausibleMaxC)) {
      out.push({ kind: 'implausible', objectC: s.objectC });
      return out;
    }
    this.window.push({ objectC: s.objectC, ambientC: s.ambientC, at });
    const first = this.window[0];
    if (first && at - first.at >= stableWindowMs) {
      out.push(this.measure('stable-window'));
      this.phase = 'done';
      this.window = [];
    }
    return out;
  }

  /** The thermometer stopped answering: whatever was collected is dropped, presence ends. */
  lost(): EpisodeOutput[] {
    const out: EpisodeOutput[] = this.phase === 'idle' ? [] : [{ kind: 'presence', present: false }];
    this.toIdle();
    return out;
  }

  private measure(reason: 'stable-window' | 'target-left'): EpisodeOutput {
    const w = this.window;
    const first = w[0];
    const last = w[w.length - 1];
    return {
      kind: 'measurement',
      objectC: median(w.map((r) => r.objectC)),
      ambientC: median(w.map((r) => r.ambientC)),
      readings: w.length,
      windowMs: first && last ? last.at - first.at : 0,
      reason,
    };
  }

  private toIdle(): void {
    this.phase = 'idle';
    this.window = [];
  }
}

/** The median, to 0.01 °C (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  const m = v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
  return Math.round(m * 100) / 100;
}
