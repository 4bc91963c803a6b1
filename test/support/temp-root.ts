import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest's global setup: the whole run's temp dirs (stores, configs, PTY links, the browsers'
 * profiles, children's files) under one fresh dir, removed when the run ends. os.tmpdir() reads
 * TMPDIR, and the test workers and every process they start inherit it.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'gatepost-test-'));
  process.env.TMPDIR = root;
  return () => {
    try {
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch (e) {
      // A child still writing there: the run's result stands, the dir is left behind.
      process.stderr.write(`temp dir ${root} not removed: ${(e as Error).message}\n`);
    }
  };
}
