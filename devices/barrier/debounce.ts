import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { GpioInput, Level } from '../gpio/gpio.ts';

/**
 * A debounced GPIO input: a new level counts once it has held for `ms` (20 ms by default for
 * the barrier's limit switches and loop detector). Bounces shorter than that are ignored.
 */
export class DebouncedInput {
  private accepted: Level;
  private timer: TimerHandle | undefined;
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly input: GpioInput,
    private readonly ms: number,
    private readonly clock: Clock,
    private readonly onChange: (level: Level) => void,
  ) {
    this.accepted = input.read();
  }

  get level(): Level {
    return this.accepted;
  }

  start(): void {
    this.accepted = this.input.read();
    this.unwatch = this.input.watch((raw) => this.raw(raw));
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = undefined;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private raw(raw: Level): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (raw === this.accepted) return;
    if (this.ms <= 0) {
      this.accept(raw);
      return;
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      const now = this.input.read();
      if (now !== this.accepted) this.accept(now);
    }, this.ms);
  }

  private accept(level: Level): void {
    this.accepted = level;
    this.onChange(level);
  }
}
