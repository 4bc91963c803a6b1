import { resolve } from 'node:path';
import { ROOT, tellParent } from '../support/child.ts';

/**
 * Runs one bench function in this process, isolated from the harness (CPU, heap, RSS):
 *   node --import tsx bench/children/run-fn.ts <module from the repo root> [export name]
 * and tells the parent `result` with the figures it returned (or `failed` with the error).
 */
const [file = '', name = 'default'] = process.argv.slice(2);
try {
  const mod = (await import(resolve(ROOT, file))) as Record<string, unknown>;
  const fn = mod[name];
  if (typeof fn !== 'function') throw new Error(`${file} has no function export ${name}`);
  const figures = (await fn()) as Record<string, unknown>;
  tellParent({ type: 'result', figures });
} catch (e) {
  tellParent({ type: 'failed', error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}
process.exit(0);
