import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const CHILD = new URL('./length-cache-child.ts', import.meta.url).pathname;

/** ArrayBuffer bytes still alive after 3,000 packets of distinct lengths, in a fresh process. */
function grownBytes(mode: 'fill' | 'later' | 'none'): number {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, mode], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return (JSON.parse(out) as { grownBytes: number }).grownBytes;
}

describe("mqtt-packet's cache of encoded lengths", () => {
  it('pins a Buffer pool slab for each new length when it fills as packets come (what the soak found)', () => {
    // 3,000 lengths, a slab each (4 KB of it in use): ~12 MB. The harness sees the leak.
    expect(grownBytes('none')).toBeGreaterThan(5_000_000);
  }, 90_000);

  it('pins nothing more once filled at once, as the gateway does on both threads', () => {
    expect(grownBytes('fill')).toBeLessThan(500_000);
  }, 90_000);

  it('is filled whole by the background fill the gateway starts (chunk by chunk, no gaps)', () => {
    expect(grownBytes('later')).toBeLessThan(500_000);
  }, 90_000);
});
