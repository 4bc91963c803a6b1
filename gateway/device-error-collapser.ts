import type { Clock, TimerHandle } from '../core/clock.ts';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { DeviceErrorEvent } from '../devices/events.ts';
import type { DeviceErrorData } from './mqtt/gateway-payloads.ts';
import type { Stream } from './mqtt/record.ts';

export interface DeviceErrorCollapserOptions {
  /** Where a record goes (the sink: stored, then published). */
  write: (stream: Stream, data: DeviceErrorData) => Promise<unknown>;
  clock: Clock;
  log: Logger;
  /** Repeats within this long of the first are counted, then summarised in one record. */
  windowMs?: number;
  /** Open (lane, device, kind, code) keys at most; beyond, the oldest is summarised and closed. */
  maxKeys?: number;
  /** Device-error records a stream may write per minute; beyond, errors are only counted. */
  perStreamPerMinute?: number;
}

const DEFAULT_WINDOW_MS = 60_000;
export const DEFAULT_MAX_KEYS = 256;
export const DEFAULT_PER_STREAM_PER_MINUTE = 30;
/** The key of a stream's overflow: counts of keys closed to make room while over the budget. */
const OVERFLOW = '\u0000*';

interface OpenKey {
  stream: Stream;
  /** The last error of the key (its message and fields go into the summary). */
  last: DeviceErrorData;
  /** Errors not recorded one by one since the last record of this key. */
  count: number;
  bytes: number;
  firstAt: number;
  lastAt: number;
  timer: TimerHandle | undefined;
}

/**
 * Between the drivers' `error` events and the record sink: a device that repeats an error (a
 * thermometer's implausible reading every poll, a barrier's no-reply every 1.5 s while offline,
 * a babbling scanner's 1,000 bad frames a second) makes one record, not one per error. Keyed by
 * (stream, device, kind, errorCode):
 *
 * - the first error of a key is recorded at once;
 * - repeats within `windowMs` are counted; when the window closes, one record summarises them
 *   (`count`, `firstAt`, `lastAt`, the bytes of all of them, the last message) and a new window
 *   opens; a window without repeats closes the key, so its next error is recorded at once again;
 * - memory is bounded: at most `maxKeys` keys are open (the oldest is summarised and closed to
 *   make room; over the budget, its count goes to one overflow key per stream, kind
 *   `many-kinds`), each holding one error;
 * - each stream writes at most `perStreamPerMinute` device-error records a minute (of the
 *   clock); past that budget, a key's first error is counted in its summary instead, and a
 *   summary waits for the next window. Errors are never lost from the count, only from the
 *   one-by-one detail.
 *
 * A new kind for the same device does not close the others' windows: a device alternating
 * between two errors would otherwise write a record per error again.
 */
export class DeviceErrorCollapser {
  private readonly open = new Map<string, OpenKey>();
  private readonly budget = new Map<Stream, { minute: number; used: number }>();
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly perMinute: number;
  private stopped = false;

  constructor(private readonly o: DeviceErrorCollapserOptions) {
    this.windowMs = o.windowMs ?? DEFAULT_WINDOW_MS;
    this.maxKeys = Math.max(1, o.maxKeys ?? DEFAULT_MAX_KEYS);
    this.perMinute = Math.max(1, o.perStreamPerMinute ?? DEFAULT_PER_STREAM_PER_MINUTE);
  }

  /**
   * An error of a device, at `at` (clock ms). `weight` is how many errors the event stands for: a
   * driver's rate-limited summary (`DeviceErrorEvent.suppressed`) carries the count it held back.
   */
  report(stream: Stream, data: DeviceErrorData, at: number, weight = 1): void {
    if (this.stopped) return;
    const key = `${stream}\u0000${data.device}\u0000${data.kind}\u0000${data.errorCode}`;
    const bytes = data.bytes ?? 0;
    const known = this.open.get(key);
    if (known) {
      this.count(known, data, bytes, at, weight);
      return;
    }
    if (this.open.size >= this.maxKeys) this.closeOldest();
    const entry: OpenKey = {
      stream,
      last: data,
      count: 0,
      bytes: 0,
      firstAt: at,
      lastAt: at,
      timer: undefined,
    };
    this.open.set(key, entry);
    if (weight > 1) {
      // Already a summary of many: recorded as one with its count, at once if the budget allows.
      this.count(entry, data, bytes, at, weight);
      if (this.spend(stream)) {
        this.write(stream, this.summary(entry));
        entry.count = 0;
        entry.bytes = 0;
      }
    } else if (this.spend(stream)) this.write(stream, data);
    else this.count(entry, data, bytes, at, 1);
    entry.timer = this.o.clock.setTimeout(() => this.windowClosed(key), this.windowMs);
  }

  /** Keys open now (bounded by maxKeys). */
  openKeys(): number {
    return this.open.size;
  }

  /** Writes every summary still open (at stop, so that no count is lost) and stops. */
  stop(): void {
    if (this.stopped) return;
    for (const [key, entry] of this.open) {
      this.o.clock.clearTimeout(entry.timer);
      if (entry.count > 0) this.write(entry.stream, this.summary(entry));
      this.open.delete(key);
    }
    this.stopped = true;
  }

  private count(entry: OpenKey, data: DeviceErrorData, bytes: number, at: number, weight: number): void {
    if (entry.count === 0) entry.firstAt = at;
    entry.count += weight;
    entry.bytes += bytes;
    entry.lastAt = at;
    entry.last = data;
  }

  private windowClosed(key: string): void {
    const entry = this.open.get(key);
    if (!entry) return;
    if (entry.count === 0) {
      this.open.delete(key);
      return;
    }
    if (this.spend(entry.stream)) {
      this.write(entry.stream, this.summary(entry));
      entry.count = 0;
      entry.bytes = 0;
    }
    entry.timer = this.o.clock.setTimeout(() => this.windowClosed(key), this.windowMs);
  }

  private closeOldest(): void {
    let oldest: [string, OpenKey] | undefined;
    for (const kv of this.open) {
      if (!kv[0].endsWith(OVERFLOW)) {
        oldest = kv;
        break;
      }
    }
    if (!oldest) return;
    const [key, entry] = oldest;
    this.o.clock.clearTimeout(entry.timer);
    this.open.delete(key);
    if (entry.count === 0) return;
    if (this.spend(entry.stream)) {
      this.write(entry.stream, this.summary(entry));
      return;
    }
    // Over the budget: its count joins the stream's overflow key, summarised with the budget.
    const okey = `${entry.stream}${OVERFLOW}`;
    let over = this.open.get(okey);
    if (!over) {
      over = { ...entry, count: 0, bytes: 0, timer: undefined };
      this.open.set(okey, over);
      over.timer = this.o.clock.setTimeout(() => this.windowClosed(okey), this.windowMs);
    }
    if (over.count === 0) over.firstAt = entry.firstAt;
    over.count += entry.count;
    over.bytes += entry.bytes;
    over.lastAt = Math.max(over.lastAt, entry.lastAt);
    over.last = {
      ...entry.last,
      kind: 'many-kinds',
      message: `errors of more (lane, device, kind) keys than the ${this.maxKeys} kept apart; the last: ${entry.last.kind}: ${entry.last.message}`,
    };
  }

  private summary(e: OpenKey): DeviceErrorData {
    const { count: _c, firstAt: _f, lastAt: _l, bytes: _b, ...base } = e.last;
    return {
      ...base,
      message: `${e.count} more: ${e.last.message}`,
      ...(e.bytes > 0 ? { bytes: e.bytes } : {}),
      count: e.count,
      firstAt: e.firstAt,
      lastAt: e.lastAt,
    };
  }

  /** Takes one record from the stream's budget of this minute; false when it is spent. */
  private spend(stream: Stream): boolean {
    const minute = Math.floor(this.o.clock.now() / 60_000);
    let b = this.budget.get(stream);
    if (!b || b.minute !== minute) {
      b = { minute, used: 0 };
      this.budget.set(stream, b);
    }
    if (b.used >= this.perMinute) return false;
    b.used++;
    return true;
  }

  private write(stream: Stream, data: DeviceErrorData): void {
    this.o
      .write(stream, data)
      .catch((err: unknown) =>
        this.o.log.warn(
          { stream, device: data.device, kind: data.kind, reason: errorMessage(err) },
          'device error not recorded',
        ),
      );
  }
}

/** A bay sensor's error as the data of a `device-error` record (gateway stream). */
export function baySensorErrorData(e: DeviceErrorEvent): DeviceErrorData {
  return {
    device: 'bay-sensor',
    kind: e.kind,
    errorCode: e.errorCode,
    message: e.message,
    ...(e.bayId === undefined ? {} : { bayId: e.bayId }),
    ...(e.bytes === undefined ? {} : { bytes: e.bytes }),
  };
}
