import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Personal data never reaches the logs: driver ids, names, ID numbers and pass contents are
 * redacted wherever they appear (top level or one or two levels down).
 */
const SENSITIVE_KEYS = [
  'sub',
  'subject',
  'driverId',
  'driverName',
  'personName',
  'idNumber',
  'code',
  'pass',
  'rawCode',
  'phone',
];
/**
 * `name` is personal only inside a pass's facts, a manual registration or a hand-over's escort
 * (elsewhere it names a lane or device).
 */
const SENSITIVE_PATHS = ['facts.name', 'manual.name', 'escort.name', 'escort.phone'];
export const REDACT_PATHS = [...SENSITIVE_KEYS, ...SENSITIVE_PATHS].flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export interface LoggerOptions {
  level?: string;
  /** Where to write; stdout by default. Anything with `write(line)` will do. */
  destination?: NodeJS.WritableStream | { write(line: string): unknown };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.GATEPOST_LOG_LEVEL ?? 'info';
  const opts = { level, base: { app: 'gatepost' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return options.destination ? pino(opts, options.destination as pino.DestinationStream) : pino(opts);
}

/** A logger that drops everything, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Shows only the shape of a code for logs: its prefix and length, never its content. */
export function maskCode(code: string): string {
  const prefix = /^[A-Z0-9]{2,4}:/.exec(code)?.[0] ?? '';
  return `${prefix}…(${code.length} chars)`;
}

/** Bytes as hex for device error logs, cut to a readable length. */
export function hex(bytes: Uint8Array, max = 64): string {
  const shown = Buffer.from(bytes.subarray(0, max)).toString('hex');
  return bytes.length > max ? `${shown}…(+${bytes.length - max} bytes)` : shown;
}
