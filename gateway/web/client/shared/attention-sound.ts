/**
 * The pages' attention sounds, made with Web Audio (no audio file to fetch): one oscillator
 * pattern per class, so staff can tell from across the lane what wants them: a fast high siren
 * for a fever or an isolation, a falling low triad when the gateway is lost, the two-tone beep
 * of a lane alarm, a rising chime while a truck waits for REVIEW, a single low tone for a device
 * gone offline. The pattern of the most urgent open class repeats until it is acknowledged or
 * its condition ends (`play(undefined)` stops it).
 *
 * Browsers start audio only after a touch: every touch on the page resumes the audio context,
 * and the sound check at sign-in (`check()`) is such a touch.
 */
export type SoundClass = 'fever' | 'gateway' | 'lane' | 'review' | 'device';

export interface SoundPattern {
  /** Each note: frequency (Hz), waveform, start and length within one round (s). */
  notes: { hz: number; wave: OscillatorType; at: number; dur: number }[];
  /** One round every this many ms. */
  everyMs: number;
}

// biome-ignore format: one pattern a line
export const SOUND_PATTERNS: Record<SoundClass | 'check', SoundPattern> = {
  fever: { everyMs: 1_100, notes: [1175, 784, 1175, 784].map((hz, i) => ({ hz, wave: 'square', at: i * 0.16, dur: 0.14 })) },
  gateway: { everyMs: 2_000, notes: [622, 466, 311].map((hz, i) => ({ hz, wave: 'sawtooth', at: i * 0.26, dur: 0.24 })) },
  lane: { everyMs: 1_400, notes: [880, 659].map((hz, i) => ({ hz, wave: 'square', at: i * 0.25, dur: 0.22 })) },
  review: { everyMs: 2_500, notes: [523, 659, 784].map((hz, i) => ({ hz, wave: 'triangle', at: i * 0.18, dur: 0.16 })) },
  device: { everyMs: 5_000, notes: [{ hz: 392, wave: 'triangle', at: 0, dur: 0.45 }] },
  check: { everyMs: 0, notes: [698, 880, 1047].map((hz, i) => ({ hz, wave: 'triangle', at: i * 0.22, dur: 0.2 })) },
};

/** Most urgent first: when several are open, the first of these is heard. */
export const SOUND_ORDER: readonly SoundClass[] = ['fever', 'gateway', 'lane', 'review', 'device'];

export class AttentionSound {
  private ctx: AudioContext | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private playing: SoundClass | undefined;
  /** Rounds scheduled per class (and of the sound check), for the status line and the tests. */
  readonly played: Record<SoundClass | 'check', number> = {
    fever: 0,
    gateway: 0,
    lane: 0,
    review: 0,
    device: 0,
    check: 0,
  };

  constructor() {
    const resume = () => this.unlock();
    document.addEventListener('pointerdown', resume, { capture: true, passive: true });
    document.addEventListener('keydown', resume, { capture: true, passive: true });
  }

  /** The class now repeating, if any. */
  get current(): SoundClass | undefined {
    return this.playing;
  }

  /** Creates or resumes the audio context (call from a touch). */
  unlock(): void {
    try {
      this.ctx ??= new AudioContext();
      if (this.ctx.state === 'suspended') void this.ctx.resume();
    } catch {
      // no audio device: the banners still show
    }
  }

  /** Repeats the class's pattern (the one already repeating goes on undisturbed); undefined: silence. */
  play(cls: SoundClass | undefined): void {
    if (cls === this.playing) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.playing = cls;
    if (!cls) return;
    this.round(cls);
    this.timer = setInterval(() => this.round(cls), SOUND_PATTERNS[cls].everyMs);
  }

  /** The sound check: one round of the check pattern. */
  check(): void {
    this.unlock();
    this.round('check');
  }

  private round(cls: SoundClass | 'check'): void {
    this.played[cls]++;
    if (!this.ctx) this.unlock();
    const ctx = this.ctx;
    if (!ctx) return;
    const t0 = ctx.currentTime + 0.02;
    for (const n of SOUND_PATTERNS[cls].notes) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = n.wave;
      osc.frequency.value = n.hz;
      const at = t0 + n.at;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.5, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + n.dur);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + n.dur + 0.02);
    }
  }
}
