import { describe, expect, it } from 'vitest';
import type { EscPosCommand } from '../../sim/devices/printer/escpos-commands.ts';
import { EscPosParser } from '../../sim/devices/printer/escpos-parser.ts';

/**
 * The simulated printer's ESC/POS parser facing a hostile stream: commands that claim more data
 * than they send or than any receipt holds, and text that never ends. Its memory must not grow
 * with what the stream claims or sends (checked by heap growth), and it must keep parsing.
 */
const HEAP_BUDGET_MB = 24;
const MB = 1024 * 1024;

function heapMb(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / MB;
}

function feedMany(parser: EscPosParser, chunk: Uint8Array, times: number): void {
  for (let i = 0; i < times; i++) parser.push(chunk);
}

describe('the simulated printer parser under a hostile stream', () => {
  it('skips GS v 0 claiming 65535x65535 and GS ( k claiming 65,535 bytes without holding them', () => {
    const commands: EscPosCommand[] = [];
    const parser = new EscPosParser((c) => commands.push(c));
    const before = heapMb();
    // GS v 0 m xL xH yL yH: 65535 bytes wide, 65535 rows (4 GB claimed), then 32 MB of it.
    parser.push(Uint8Array.of(0x1d, 0x76, 0x30, 0x00, 0xff, 0xff, 0xff, 0xff));
    feedMany(parser, new Uint8Array(MB).fill(0xaa), 32);
    expect(heapMb() - before).toBeLessThan(HEAP_BUDGET_MB);
    expect(parser.stats.skippedBytes).toBe(32 * MB);

    // A fresh parser: GS ( k pL pH 49 80 48 claiming 65,535 bytes of QR data, then nothing.
    const qrParser = new EscPosParser((c) => commands.push(c));
    qrParser.push(Uint8Array.of(0x1d, 0x28, 0x6b, 0xff, 0xff, 49, 80, 48));
    qrParser.push(new TextEncoder().encode('half a QR'));
    expect(qrParser.stats.oversizeCommands).toBe(1);
    expect(commands.some((c) => c.kind === 'qr-store')).toBe(false);
  });

  it('emits an endless text run without LF in bounded pieces', () => {
    let pieces = 0;
    let longest = 0;
    const parser = new EscPosParser((c) => {
      if (c.kind !== 'text') return;
      pieces += 1;
      longest = Math.max(longest, c.bytes.length);
    });
    const before = heapMb();
    const started = performance.now();
    feedMany(parser, new Uint8Array(MB).fill(0x41), 32);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(heapMb() - before).toBeLessThan(HEAP_BUDGET_MB);
    expect(pieces).toBeGreaterThanOrEqual((32 * MB) / 4096);
    expect(longest).toBeLessThanOrEqual(4096);
  });
});
