import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { MAX_TRUST_LIST_BYTES } from '../../gateway/passes/trust-list.ts';
import { TRUST_LOAD_HEAP_MB } from '../../gateway/passes/trust-list-thread.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';
import { writeBigTrustList } from './big-trust-list.ts';

/**
 * Issue 18, attack finding 2: reloading a 15.3 MB trust list of 7,000 DSCs held the lanes'
 * event loop for ~2 s in one piece (read, JSON.parse, zod and 7,000 certificate parses, all
 * synchronous). The load now runs on a thread of its own (trust-list-thread.ts); the lanes'
 * thread only takes the finished DSCs, in batches. Measured in a child process: the longest the
 * event loop is held during the reload, the reload's time, and the peak RSS growth.
 */
const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/trust-reload-lag.ts');
/**
 * Longest lateness of a 1 ms interval during a reload. On an idle box no gap passes 10 ms (one
 * batch of DSCs is a few ms); on the 2 shared cores of the test box at load average 7, gaps of
 * 20-136 ms were measured even while this thread was idle waiting for the loader: preemption by
 * other processes, not our work. The old load held the loop for 2.0-2.8 s in one piece.
 */
const MAX_LAG_MS = 250;
/** The loading thread's heap cap, plus the list's DSCs held by this thread and slack. */
const MAX_RSS_GROWTH = (TRUST_LOAD_HEAP_MB + 64) * 1024 * 1024;

afterAll(removeTempDirs);

describe('a trust list reload does not hold the event loop', () => {
  test('a 15 MB list of 7,000 distinct DSCs renamed over the watched one', async () => {
    const dir = await makeTempDir('gatepost-trust-lag-');
    const big = path.join(dir, 'big.json');
    const bytes = writeBigTrustList(big, 7000, 1500);
    expect(bytes).toBeGreaterThan(14_000_000);
    expect(bytes).toBeLessThan(MAX_TRUST_LIST_BYTES);
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', FIXTURE, big], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err = (err + c.toString()).slice(-4000);
    });
    // The reload's own time is a bench figure, not a test's (1-5 s here, 20 s at load 19); the
    // test needs it to finish, which this bound and the exit code say.
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(killer);
    expect({ code, err: code === 0 ? '' : err }).toEqual({ code: 0, err: '' });
    const r = JSON.parse(out.trim()) as {
      ms: number;
      maxLagMs: number;
      peakGrowth: number;
      dsc: number;
      served: number;
      ticksWithoutStore: number;
    };
    console.log(
      `reload of ${bytes} bytes: ${r.ms.toFixed(0)} ms, event loop held at most ${r.maxLagMs.toFixed(1)} ms, peak RSS +${(r.peakGrowth / 2 ** 20).toFixed(0)} MB`,
    );
    expect(r.dsc).toBe(7000);
    expect(r.served).toBe(7000);
    expect(r.ticksWithoutStore).toBe(0);
    expect(r.maxLagMs).toBeLessThan(MAX_LAG_MS);
    expect(r.peakGrowth).toBeLessThan(MAX_RSS_GROWTH);
  }, 90_000);
});
