import type { GpioChip, GpioInput, GpioOutput, Level } from './gpio.ts';

/**
 * A GPIO chip in memory. The gateway sees ordinary inputs and outputs; the simulator drives the
 * inputs (`drive`) and watches the outputs (`onOutput`). Chips are found by name in
 * `virtualGpioChips`, so a gateway and a simulator in one process share them.
 */
export class VirtualGpioChip implements GpioChip {
  private readonly levels = new Map<number, Level>();
  private readonly watchers = new Map<number, Set<(level: Level) => void>>();

  constructor(readonly name: string) {}

  input(line: number): GpioInput {
    return {
      read: () => this.level(line),
      watch: (listener) => this.watch(line, listener),
    };
  }

  output(line: number): GpioOutput {
    return {
      read: () => this.level(line),
      write: (level) => this.set(line, level),
    };
  }

  /** Simulator side: set an input line's level (a limit switch, the loop detector). */
  drive(line: number, level: Level): void {
    this.set(line, level);
  }

  /** Simulator side: watch an output line (a relay). */
  onOutput(line: number, listener: (level: Level) => void): () => void {
    return this.watch(line, listener);
  }

  level(line: number): Level {
    return this.levels.get(line) ?? 0;
  }

  async close(): Promise<void> {
    this.watchers.clear();
  }

  private set(line: number, level: Level): void {
    if (this.level(line) === level) return;
    this.levels.set(line, level);
    for (const w of this.watchers.get(line) ?? []) w(level);
  }

  private watch(line: number, listener: (level: Level) => void): () => void {
    let set = this.watchers.get(line);
    if (!set) {
      set = new Set();
      this.watchers.set(line, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }
}

const chips = new Map<string, VirtualGpioChip>();

/** The process-wide virtual chip of this name, made on first use. */
export function virtualGpioChip(name: string): VirtualGpioChip {
  let chip = chips.get(name);
  if (!chip) {
    chip = new VirtualGpioChip(name);
    chips.set(name, chip);
  }
  return chip;
}
