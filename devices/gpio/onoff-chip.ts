import { createRequire } from 'node:module';
import { ErrorCode, GatepostError } from '../../core/errors.ts';
import type { GpioChip, GpioInput, GpioOutput, Level } from './gpio.ts';

/**
 * A GpioChip over onoff (sysfs GPIO) for a real box. onoff is loaded only when a chip is made,
 * so nothing loads it unless a GPIO barrier is configured on real hardware; it cannot run on a
 * machine without /sys/class/gpio. Line numbers are sysfs GPIO numbers (the chip's base plus
 * the line offset).
 */
interface OnoffGpio {
  readSync(): 0 | 1;
  writeSync(value: 0 | 1): void;
  watch(callback: (err: Error | null | undefined, value: 0 | 1) => void): void;
  unwatch(callback?: (err: Error | null | undefined, value: 0 | 1) => void): void;
  unexport(): void;
}

interface OnoffModule {
  Gpio: {
    new (
      gpio: number,
      direction: 'in' | 'out' | 'high' | 'low',
      edge?: 'none' | 'rising' | 'falling' | 'both',
    ): OnoffGpio;
    accessible: boolean;
  };
}

export interface OnoffChipOptions {
  /**
   * The level outputs take when claimed, before any write: 0 for active-high relays, 1 for
   * active-low ones, so that no relay is energised for an instant at start-up.
   */
  outputsStartAt?: Level;
}

export function createOnoffChip(name = 'gpiochip0', options: OnoffChipOptions = {}): GpioChip {
  const require = createRequire(import.meta.url);
  const onoff = require('onoff') as OnoffModule;
  if (!onoff.Gpio.accessible)
    throw new GatepostError(ErrorCode.GpioUnavailable, 'GPIO is not accessible here (no /sys/class/gpio)');
  const lines = new Map<number, OnoffGpio>();
  const claim = (line: number, make: () => OnoffGpio) => {
    if (lines.has(line))
      throw new GatepostError(ErrorCode.GpioLineInUse, `GPIO line ${line} is already in use`);
    const g = make();
    lines.set(line, g);
    return g;
  };
  return {
    name,
    input(line: number): GpioInput {
      const g = claim(line, () => new onoff.Gpio(line, 'in', 'both'));
      return {
        read: () => g.readSync(),
        watch(listener: (level: Level) => void) {
          const cb = (err: Error | null | undefined, value: 0 | 1) => {
            if (!err) listener(value);
          };
          g.watch(cb);
          return () => g.unwatch(cb);
        },
      };
    },
    output(line: number): GpioOutput {
      // 'low'/'high' set the direction and the level at once: no glitch on the relay at start-up.
      const g = claim(line, () => new onoff.Gpio(line, options.outputsStartAt === 1 ? 'high' : 'low'));
      return { read: () => g.readSync(), write: (level: Level) => g.writeSync(level) };
    },
    async close() {
      for (const g of lines.values()) {
        g.unwatch();
        g.unexport();
      }
      lines.clear();
    },
  };
}
