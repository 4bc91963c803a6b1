/**
 * What the broker's code needs of a logger: a pino Logger (core/logger.ts) is one, and so is
 * the broker thread's line logger below, which keeps pino (and its ~1 MB of heap) out of that
 * thread's isolate. One method per level, each with the fields first and the message second.
 */
export type BrokerLogFn = (fields: object, msg?: string) => void;

export interface BrokerLog {
  trace: BrokerLogFn;
  debug: BrokerLogFn;
  info: BrokerLogFn;
  warn: BrokerLogFn;
  error: BrokerLogFn;
  fatal: BrokerLogFn;
}

/** pino's level numbers: a line carries its level as pino writes it. */
const LEVEL_NUMBERS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

/** An Error as pino's `err` serializer writes it; any other value as it is. */
function loggable(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  return { type: value.name, message: value.message, stack: value.stack };
}

/**
 * A logger that writes each line as pino's JSON (`level`, `time`, the fields, `msg`), to `write`:
 * the broker's thread posts them to the gateway's logger (broker-thread.ts relays them, where its
 * logger redacts personal data as for any line). `level` is a pino level name (`silent`: none).
 */
export function lineLogger(level: string, write: (line: string) => void): BrokerLog {
  const threshold = (LEVEL_NUMBERS as Record<string, number>)[level] ?? (level === 'silent' ? Infinity : 30);
  const at =
    (n: number): BrokerLogFn =>
    (fields, msg) => {
      if (n < threshold) return;
      let line: string;
      try {
        line = JSON.stringify({ level: n, time: Date.now(), ...fields, msg: msg ?? '' }, loggable);
      } catch (e) {
        line = JSON.stringify({ level: n, time: Date.now(), msg: msg ?? '', unloggable: String(e) });
      }
      write(line);
    };
  return {
    trace: at(LEVEL_NUMBERS.trace),
    debug: at(LEVEL_NUMBERS.debug),
    info: at(LEVEL_NUMBERS.info),
    warn: at(LEVEL_NUMBERS.warn),
    error: at(LEVEL_NUMBERS.error),
    fatal: at(LEVEL_NUMBERS.fatal),
  };
}

/** Bytes as hex for the broker's logs, cut to a readable length (as core/logger.ts `hex`). */
export function hex(bytes: Uint8Array, max = 64): string {
  const shown = Buffer.from(bytes.subarray(0, max)).toString('hex');
  return bytes.length > max ? `${shown}…(+${bytes.length - max} bytes)` : shown;
}
