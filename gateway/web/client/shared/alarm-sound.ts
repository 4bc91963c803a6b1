/**
 * The alarm sound, made with the WebAudio API (no audio file to fetch): a two-tone beep
 * repeated until staff acknowledge. Browsers start audio only after a touch, so the page calls
 * `unlock()` from the sign-in tap; `beeps` counts what was played.
 */
export class AlarmSound {
  private ctx: AudioContext | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Beeps due so far, and those a running audio device played. */
  beeps = 0;
  played = 0;

  unlock(): void {
    try {
      this.ctx ??= new AudioContext();
      void this.ctx.resume();
    } catch {
      // no audio device: the banner still shows
    }
  }

  get sounding(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    this.beep();
    this.timer = setInterval(() => this.beep(), 1_400);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private beep(): void {
    this.beeps++;
    const ctx = this.ctx;
    if (ctx?.state !== 'running') return;
    this.played++;
    const at = ctx.currentTime;
    for (const [i, freq] of [880, 660].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'square';
      osc.frequency.value = freq;
      const t0 = at + i * 0.25;
      gain.gain.setValueAtTime(0.0001, t0);
      gain.gain.exponentialRampToValueAtTime(0.4, t0 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.22);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0);
      osc.stop(t0 + 0.24);
    }
  }
}
