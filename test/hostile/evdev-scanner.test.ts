import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { type FileHandle, open, rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { ErrorCode } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import type { DeviceErrorEvent, ScanEvent } from '../../devices/events.ts';
import type { ScannerDriver } from '../../devices/scanner/driver.ts';
import { EvdevScannerConfigSchema } from '../../devices/scanner/evdev-config.ts';
import { createEvdevScannerDriver } from '../../devices/scanner/evdev-driver.ts';
import type { InputEventSize } from '../../devices/scanner/input-event.ts';
import {
  EV_KEY,
  EV_SYN,
  encodeInputEvents,
  keyEventsForByte,
  type SimInputEvent,
} from '../../sim/devices/scanner/input-event-encode.ts';
import { measure } from '../support/measure.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

/**
 * The keyboard-wedge scanner driver (devices/scanner/evdev-*.ts) fed hostile `struct
 * input_event` streams through a FIFO, as a broken or malicious USB device (or a wrong config)
 * would give them: torn records, records of the wrong size, repeats, keys never released, a code
 * that never ends, other event types, time going backwards, the device gone mid-code. Nothing
 * is taken for a code that was not typed whole, each fault is a device error, the memory and
 * time it costs are bounded, and the next good code reads.
 */
const EV_REL = 0x02;
const EV_ABS = 0x03;
const SYN_DROPPED = 3;
const KEY_RIGHTSHIFT = 54;
const KEY_A = 30;
const log = silentLogger();
const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  await removeTempDirs();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(10);
  }
}

interface Rig {
  driver: ScannerDriver;
  codes: ScanEvent[];
  errors: DeviceErrorEvent[];
  /** Writes bytes to the FIFO, waiting while it is full (a kernel buffer the driver drains). */
  write(bytes: Buffer): Promise<void>;
  /** Key events typing `text` (CR is Enter) from `t0`, one key a millisecond. */
  typed(text: string, t0?: number): SimInputEvent[];
  encode(events: readonly SimInputEvent[]): Buffer;
  unplug(): Promise<void>;
  replug(): Promise<void>;
}

async function rig(o: { writerSize?: InputEventSize; config?: Record<string, unknown> } = {}): Promise<Rig> {
  const dir = await makeTempDir();
  const path = `${dir}/usb-Hostile-event-kbd`;
  const size: InputEventSize = o.writerSize ?? (process.arch === 'arm' || process.arch === 'ia32' ? 16 : 24);
  let handle: FileHandle | undefined;
  const plug = async () => {
    await rm(path, { force: true });
    execFileSync('mkfifo', ['-m', '0660', path]);
    handle = await open(path, constants.O_RDWR | constants.O_NONBLOCK);
  };
  await plug();
  const config = EvdevScannerConfigSchema.parse({
    kind: 'evdev',
    path,
    // A line is believed again after a quiet of the gap (babble) or the resync silence (a cut):
    // the tests wait 400 ms between a fault and the next code.
    interByteGapMs: 100,
    resyncSilenceMs: 300,
    ...o.config,
  });
  const driver = createEvdevScannerDriver({
    config,
    clock: systemClock,
    log,
    reconnect: { initialMs: 20, maxMs: 100 },
  });
  const codes: ScanEvent[] = [];
  const errors: DeviceErrorEvent[] = [];
  driver.on('code', (e) => codes.push(e));
  driver.on('error', (e) => errors.push(e));
  driver.start();
  cleanup.push(async () => {
    await driver.stop();
    await handle?.close();
  });
  let clock = Date.now();
  const r: Rig = {
    driver,
    codes,
    errors,
    async write(bytes) {
      let at = 0;
      while (at < bytes.length) {
        const h = handle;
        if (!h) return;
        try {
          const { bytesWritten } = await h.write(bytes, at, Math.min(bytes.length - at, 4096));
          at += bytesWritten;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
          await sleep(2);
        }
      }
    },
    typed(text, t0) {
      clock = Math.max(clock, Date.now(), t0 ?? 0);
      const events = [...Buffer.from(text)].flatMap((b, i) => keyEventsForByte(b, (t0 ?? clock) + i));
      clock += text.length + 1;
      return events;
    },
    encode: (events) => encodeInputEvents(events, size),
    async unplug() {
      await handle?.close();
      handle = undefined;
      await rm(path, { force: true });
    },
    replug: plug,
  };
  // The driver opens the FIFO only once something is in it (an empty FIFO reads as no writer).
  await r.write(r.encode([{ timeMs: Date.now(), type: EV_SYN, code: 0, value: 0 }]));
  await until(() => driver.health === 'online', 3000, 'online');
  return r;
}

const key = (code: number, value: number, timeMs: number): SimInputEvent[] => [
  { timeMs, type: EV_KEY, code, value },
  { timeMs, type: EV_SYN, code: 0, value: 0 },
];

describe('evdev scanner: torn and mis-sized records', () => {
  it('records split at every odd byte boundary are put back together: the code reads whole', async () => {
    const r = await rig();
    const bytes = r.encode(r.typed('GP1:abc.def.ghi\r'));
    for (let i = 0; i < bytes.length; i += 7) {
      await r.write(bytes.subarray(i, Math.min(bytes.length, i + 7)));
      if (i % 70 === 0) await sleep(5); // let the driver read a torn record now and then
    }
    await until(() => r.codes.length === 1, 3000, 'code');
    expect(r.codes[0]?.code).toBe('GP1:abc.def.ghi');
    expect(r.errors).toEqual([]);
  });

  it('records of the other size (eventSize wrong for this gateway): no code, and an error that says so', async () => {
    const r = await rig({ writerSize: 16, config: { eventSize: 24 } });
    await r.write(r.encode(r.typed('GP1:abc.def.ghi\r')));
    await r.write(r.encode(r.typed('HC1:NCFOXN%TS3DH\r')));
    await until(() => r.errors.some((e) => e.kind === 'not-input-events'), 3000, 'error');
    expect(r.codes).toEqual([]);
    expect(r.errors.find((e) => e.kind === 'not-input-events')?.message).toMatch(/eventSize/);
  });

  it('a torn last record and then the device gone mid-code: the cut code is an error, never a scan; the next plug reads', async () => {
    const r = await rig();
    const half = r.encode(r.typed('GP1:abc.de'));
    await r.write(half.subarray(0, half.length - 5));
    await sleep(100);
    await r.unplug();
    await until(() => r.errors.some((e) => e.kind === 'device-lost'), 3000, 'lost');
    expect(r.errors.map((e) => e.errorCode)).toContain(ErrorCode.CodeTruncated);
    expect(r.codes).toEqual([]);
    await r.replug();
    await r.write(r.encode(r.typed('GP1:abc.def.ghi\r')));
    await until(() => r.codes.length === 1, 5000, 'code after replug');
    expect(r.codes[0]?.code).toBe('GP1:abc.def.ghi');
  });
});

describe('evdev scanner: keys', () => {
  it('key repeats (value 2) and a key held forever make the code implausible; the next code reads', async () => {
    const r = await rig();
    const t = Date.now();
    const held = [
      ...r.typed('GP1:ab'),
      ...key(KEY_A, 1, t + 10),
      ...Array.from({ length: 300 }, (_, i) => key(KEY_A, 2, t + 11 + i)).flat(),
      ...r.typed('\r', t + 400),
    ];
    await r.write(r.encode(held));
    await until(() => r.errors.length >= 1, 3000, 'implausible');
    expect(r.errors[0]).toMatchObject({ errorCode: ErrorCode.CodeImplausible });
    await sleep(400);
    await r.write(r.encode(r.typed('GP1:abc.def.ghi\r')));
    await until(() => r.codes.length === 1, 3000, 'next code');
    expect(r.codes.map((c) => c.code)).toEqual(['GP1:abc.def.ghi']);
  });

  it('Shift stuck down (its release lost to SYN_DROPPED, or a second Shift key never released) spoils at most one code', async () => {
    const r = await rig();
    let t = Date.now();
    // The release of (right) Shift is lost: the kernel says so with SYN_DROPPED. No Enter follows.
    await r.write(
      r.encode([...key(KEY_RIGHTSHIFT, 1, t), { timeMs: t + 1, type: EV_SYN, code: SYN_DROPPED, value: 0 }]),
    );
    await sleep(400);
    await r.write(r.encode(r.typed('GP1:abc.def.ghi\r')));
    await until(() => r.codes.length === 1, 3000, 'code after SYN_DROPPED');
    expect(r.codes[0]?.code).toBe('GP1:abc.def.ghi');
    // Right Shift pressed and never released, then two codes: the first may be spoiled, not the second.
    t = Date.now();
    await r.write(r.encode([...key(KEY_RIGHTSHIFT, 1, t), ...r.typed('GP1:abc.def.ghi\r', t + 1)]));
    await sleep(400);
    await r.write(r.encode(r.typed('GP1:abc.def.ghj\r')));
    await until(() => r.codes.some((c) => c.code === 'GP1:abc.def.ghj'), 3000, 'second code');
    // The first is typed shifted (`GP!:ABC>DEF>GHI`, not a pass); Enter lets go of the stuck Shift.
    expect(r.codes.map((c) => c.code)).toEqual(['GP1:abc.def.ghi', 'GP!:ABC>DEF>GHI', 'GP1:abc.def.ghj']);
  });

  it('unknown key codes and events of other types: unknown keys spoil the code; EV_REL/EV_ABS are ignored at no cost', async () => {
    const r = await rig();
    const t = Date.now();
    await r.write(
      r.encode([
        ...r.typed('GP1:ab', t),
        ...key(0x2ff, 1, t + 7),
        ...key(0x2ff, 0, t + 7),
        ...r.typed('c\r', t + 8),
      ]),
    );
    await until(() => r.errors.length === 1, 3000, 'implausible');
    expect(r.errors[0]).toMatchObject({ errorCode: ErrorCode.CodeImplausible });
    await sleep(400);
    // 200,000 pointer events (4.8 MB) before a code, and a few inside it: the code reads, in bounded time.
    const noise = (at: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        timeMs: at,
        type: i % 2 ? EV_REL : EV_ABS,
        code: i % 3,
        value: i,
      }));
    const m = await measure(async () => {
      await r.write(r.encode(noise(Date.now(), 200_000)));
      const code = r.typed('GP1:abc.def.ghi\r');
      await r.write(r.encode([...code.slice(0, 20), ...noise(Date.now(), 50), ...code.slice(20)]));
      await until(() => r.codes.length === 1, 10_000, 'code after pointer events');
    });
    expect(r.codes[0]?.code).toBe('GP1:abc.def.ghi');
    expect(r.errors).toHaveLength(1);
    expect(m.elapsedMs).toBeLessThan(5000);
    expect(m.peakHeapMB).toBeLessThan(64);
  }, 20_000);

  it('a code that never ends, then 3 MB of keys: one too-long error, memory bounded, and the next code reads', async () => {
    const r = await rig();
    const t = Date.now();
    const keys = 'A'.repeat(30_000);
    const m = await measure(async () => {
      await r.write(r.encode(r.typed(`GP1:${keys}`, t)));
      await until(() => r.errors.some((e) => e.errorCode === ErrorCode.CodeTooLong), 10_000, 'too long');
    });
    expect(r.codes).toEqual([]);
    expect(m.peakHeapMB).toBeLessThan(48);
    await r.write(r.encode(r.typed('\r')));
    await sleep(400);
    await r.write(r.encode(r.typed('GP1:abc.def.ghi\r')));
    await until(() => r.codes.length === 1, 3000, 'next code');
    expect(r.codes[0]?.code).toBe('GP1:abc.def.ghi');
    expect(r.errors.length).toBeLessThanOrEqual(3);
  }, 30_000);
});

describe('evdev scanner: time', () => {
  it('key times going backwards inside a code, or the realtime clock stepped an hour forward mid-code: the code reads', async () => {
    const r = await rig();
    const t = Date.now();
    const back = [...Buffer.from('GP1:abc.def.ghi\r')].flatMap((b, i) => keyEventsForByte(b, t - i * 50));
    await r.write(r.encode(back));
    await until(() => r.codes.length === 1, 3000, 'code with times going back');
    expect(r.codes[0]?.code).toBe('GP1:abc.def.ghi');
    await sleep(400);
    const t2 = Date.now();
    const jump = [...Buffer.from('GP1:abc.def.ghi\r')].flatMap((b, i) =>
      keyEventsForByte(b, t2 + (i > 8 ? 3_600_000 : 0) + i),
    );
    await r.write(r.encode(jump));
    // A placed key time is never later than the read that brought it (event-timeline.ts).
    await until(() => r.codes.length === 2, 3000, 'code across the step');
    expect(r.errors).toEqual([]);
  });
});
