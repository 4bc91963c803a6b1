import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const LOOP = join(import.meta.dirname, 'support', 'key-pair-loop.ts');
/** The old way (generate, then export the returned KeyObject) stuck within 20,000-40,000 keys in 5 of 6 runs. */
const KEYS = 60_000;

function run(n: number, timeoutMs: number): Promise<{ code: number | null; out: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', LOOP, String(n)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, timedOut });
    });
  });
}

describe('newEd25519Jwks (core/ed25519-key-pair.ts)', () => {
  it(`makes ${KEYS.toLocaleString('en')} distinct key pairs in a row without the Node 20 export deadlock`, async () => {
    const r = await run(KEYS, 100_000);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(Number(r.out.trim())).toBe(KEYS);
  }, 120_000);
});
