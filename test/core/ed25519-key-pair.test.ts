import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMeasured } from '../support/measure.ts';

const LOOP = join(import.meta.dirname, 'support', 'key-pair-loop.ts');
/** The old way (generate, then export the returned KeyObject) stuck within 20,000-40,000 keys in 5 of 6 runs. */
const KEYS = 60_000;

describe('newEd25519Jwks (core/ed25519-key-pair.ts)', () => {
  it(`makes ${KEYS.toLocaleString('en')} distinct key pairs in a row without the Node 20 export deadlock`, async () => {
    // In a process of its own: a deadlocked main thread ignores every timer, only a parent can tell.
    const r = await runMeasured(LOOP, [String(KEYS)], {
      timeoutMs: 100_000,
      env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import tsx`.trim() },
    });
    expect(r.timedOut).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    expect(Number(r.stdout.trim())).toBe(KEYS);
  }, 120_000);
});
