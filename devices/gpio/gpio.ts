/**
 * The GPIO seam. Barrier drivers get a GpioChip passed in: on a real box it is backed by onoff
 * (sysfs); in tests and the simulator it is a VirtualGpioChip. Levels are physical (0 or 1);
 * active-high/low is the driver's business, debouncing too.
 */
export type Level = 0 | 1;

export interface GpioInput {
  read(): Level;
  /** Calls back on every change of level; returns a function that stops watching. */
  watch(listener: (level: Level) => void): () => void;
}

export interface GpioOutput {
  write(level: Level): void;
  read(): Level;
}

export interface GpioChip {
  readonly name: string;
  input(line: number): GpioInput;
  output(line: number): GpioOutput;
  close(): Promise<void>;
}
