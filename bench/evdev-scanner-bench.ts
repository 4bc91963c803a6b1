import { execFileSync } from 'node:child_process';
import { constants, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import { EvdevScannerConfigSchema } from '../devices/scanner/evdev-config.ts';
import { createEvdevScannerDriver } from '../devices/scanner/evdev-driver.ts';
import { InputEventStream, resolveInputEventSize } from '../devices/scanner/input-event.ts';
import { KeystrokeDecoder, type TypedByte } from '../devices/scanner/keystroke-decoder.ts';
import { encodeInputEvents, keyEventsForByte } from '../sim/devices/scanner/input-event-encode.ts';
import { PassMint } from '../sim/passes/pass-mint.ts';
import { Random } from '../sim/random.ts';
import { percentile, round } from './support/stats.ts';

/**
 * Keyboard-wedge scanner (issue 23): from the Enter key event of a scanned pass written to the
 * input device to the driver's `code` event. The device is the simulator's FIFO (what the
 * driver reads of /dev/input/eventN is the same records); the pass's other keys are written
 * first, as the scanner types them, so the figure is what a lane waits after the last key:
 * the read poll (pollMs), record parsing, key decoding, framing and the plausibility check.
 */
export interface EvdevScannerBenchFigures {
  evdev_key_to_code_p50_ms: number;
  evdev_key_to_code_p99_ms: number;
  evdev_key_to_code_max_ms: number;
  evdev_decode_key_events_per_s: number;
}

export const EVDEV_BENCH_CONDITIONS =
  'kind: evdev driver (pollMs 4, the default) on a FIFO, 300 distinct GP1 passes from the simulator pass mint, typed as the simulated wedge scanner types them; latency from writing the Enter key event to the code event, one pass at a time with 20 ms between them';

export async function evdevScannerBench(passes = 300): Promise<EvdevScannerBenchFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-evdev-bench-'));
  const path = join(dir, 'bench-event-kbd');
  execFileSync('mkfifo', [path]);
  const writer = await open(path, constants.O_RDWR | constants.O_NONBLOCK);
  const config = EvdevScannerConfigSchema.parse({ kind: 'evdev', path });
  const size = resolveInputEventSize(config.eventSize, process.arch);
  const driver = createEvdevScannerDriver({ config, clock: systemClock, log: silentLogger() });
  let resolveCode: ((at: number) => void) | undefined;
  driver.on('code', () => resolveCode?.(performance.now()));
  driver.start();
  try {
    const deadline = Date.now() + 5000;
    while (driver.health !== 'online') {
      if (Date.now() > deadline) throw new Error('the bench scanner did not come online');
      await writer.write(encodeInputEvents([{ timeMs: Date.now(), type: 0, code: 0, value: 0 }], size));
      await new Promise((r) => setTimeout(r, 10));
    }
    const now = Date.now();
    const mint = new PassMint({ seed: 23, now: () => now });
    const rnd = new Random(23);
    const codes = Array.from({ length: passes }, (_, i) =>
      mint.issue(
        'green',
        {
          plate: `晋D${30000 + i}`,
          sub: `drv-bench-${i}`,
          familyName: 'Wang',
          givenName: 'Fang',
          dateOfBirth: '1979-05-04',
          origin: '140100',
          dest: '110000',
        },
        rnd,
      ),
    );
    const latencies: number[] = [];
    for (const code of codes) {
      const t = Date.now();
      const keys = [...Buffer.from(code)].flatMap((b, i) => keyEventsForByte(b, t + i * 0.5));
      const enter = keyEventsForByte(0x0d, t + code.length * 0.5);
      await writer.write(encodeInputEvents(keys, size));
      await new Promise((r) => setTimeout(r, 10));
      const done = new Promise<number>((r) => {
        resolveCode = r;
      });
      const t0 = performance.now();
      await writer.write(encodeInputEvents(enter, size));
      const t1 = await done;
      latencies.push(t1 - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Decoding alone: the whole run's events parsed and decoded again, in one process turn.
    const all = codes.flatMap((c) => [...Buffer.from(`${c}\r`)].flatMap((b, i) => keyEventsForByte(b, i)));
    const bytes = encodeInputEvents(all, size);
    const d0 = performance.now();
    const stream = new InputEventStream(size);
    const decoder = new KeystrokeDecoder();
    const typed: TypedByte[] = [];
    for (const e of stream.push(bytes)) decoder.decode(e, typed);
    const decodeMs = performance.now() - d0;
    if (typed.length !== codes.reduce((n, c) => n + c.length + 1, 0)) throw new Error('decoding lost keys');
    return {
      evdev_key_to_code_p50_ms: round(percentile(latencies, 50)),
      evdev_key_to_code_p99_ms: round(percentile(latencies, 99)),
      evdev_key_to_code_max_ms: round(Math.max(...latencies)),
      evdev_decode_key_events_per_s: Math.round(all.length / (decodeMs / 1000)),
    };
  } finally {
    await driver.stop();
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default evdevScannerBench;

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.stdout.write(
    `${JSON.stringify(await evdevScannerBench(), null, 2)}\n(${EVDEV_BENCH_CONDITIONS})\n`,
  );
}
