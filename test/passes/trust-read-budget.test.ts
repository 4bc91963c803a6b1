import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ErrorCode } from '../../core/errors.ts';
import { MAX_TRUST_LIST_BYTES } from '../../gateway/passes/trust-list.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

/**
 * Issue 18 item 2: `--trust /dev/zero` read forever (14 GB after 60 s), because the 16 MiB cap
 * was checked after reading. Both readers now read with core/read-file-capped.ts: regular files
 * only (a device or a FIFO is refused at once), and never more than the cap plus one byte of a
 * file that grows while it is read: measured here in a child process, time and peak RSS.
 */

const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/read-trust.ts');
/** The cap, plus slack for the process's own allocations. */
const MEMORY_LIMIT = MAX_TRUST_LIST_BYTES + 48 * 1024 * 1024;
const TIME_LIMIT_MS = 3000;

afterAll(removeTempDirs);

async function readInChild(kind: 'list' | 'source', file: string) {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', FIXTURE, kind, file], {
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
  // Were the cap not enforced while reading, /dev/zero would never end: kill it at 20 s.
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('exit', (c, s) => resolve([c, s])),
  );
  clearTimeout(killer);
  expect({ code, signal, err: code === 0 ? '' : err }).toEqual({ code: 0, signal: null, err: '' });
  const r = JSON.parse(out.trim()) as {
    ms: number;
    peakGrowth: number;
    error?: { code?: unknown; message: string };
  };
  console.log(
    `${kind} ${file}: ${r.ms.toFixed(0)} ms, peak RSS at most ${(r.peakGrowth / 2 ** 20).toFixed(1)} MB above the baseline`,
  );
  return r;
}

describe('trust files are read with the cap enforced while reading', () => {
  test.each(['list', 'source'] as const)(
    '%s: /dev/zero and a FIFO are refused at once, in bounded time and memory',
    async (kind) => {
      const r = await readInChild(kind, '/dev/zero');
      expect(r.error?.code).toBe(ErrorCode.TrustListUnreadable);
      expect(r.error?.message).toMatch(/not a regular file \(it is a character device\)/);
      expect(r.ms).toBeLessThan(TIME_LIMIT_MS);
      expect(r.peakGrowth).toBeLessThan(MEMORY_LIMIT);
      // A FIFO with no writer: opened non-blocking, so it cannot hang the reader either.
      const fifo = path.join(await makeTempDir('gatepost-trust-fifo-'), 'trust.fifo');
      execFileSync('mkfifo', [fifo]);
      const f = await readInChild(kind, fifo);
      expect(f.error?.message).toMatch(/not a regular file \(it is a FIFO\)/);
      expect(f.ms).toBeLessThan(TIME_LIMIT_MS);
    },
  );

  test.each(['list', 'source'] as const)(
    '%s: a file one byte over the cap is refused, one at the cap is read',
    async (kind) => {
      const dir = await makeTempDir('gatepost-trust-cap-');
      const over = path.join(dir, 'over.json');
      writeFileSync(over, `{"keys":[]}${' '.repeat(MAX_TRUST_LIST_BYTES + 1 - 11)}`);
      const r = await readInChild(kind, over);
      expect(r.error?.message).toMatch(/larger than the 16777216 bytes allowed/);
      const at = path.join(dir, 'at.json');
      writeFileSync(at, `{"keys":[]}${' '.repeat(MAX_TRUST_LIST_BYTES - 11)}`);
      expect((await readInChild(kind, at)).error).toBeUndefined();
    },
  );
});
