import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { trustStoreSize } from '../../gateway/passes/trust-list.ts';
import { startFirstTrustLoad } from '../../gateway/passes/trust-list-first-load.ts';
import { type TrustListEvents, TrustListWatcher } from '../../gateway/passes/trust-list-watcher.ts';
import { type Gp1Signer, gp1Signer } from './helpers.ts';

// The trust list's first load begins with the gateway (gateway/app.ts) and the lanes' watcher takes
// it over: the same store when the file is unchanged, a load of its own when it was rewritten.
let one: Gp1Signer;
let two: Gp1Signer;
const dirs: string[] = [];
const watchers: TrustListWatcher[] = [];

beforeAll(async () => {
  one = await gp1Signer('site-key-1');
  two = await gp1Signer('site-key-2');
});

afterEach(() => {
  for (const w of watchers.splice(0)) w.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function listFile(keys: Gp1Signer[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gatepost-trust-first-'));
  dirs.push(dir);
  const file = path.join(dir, 'trust-list.json');
  writeFileSync(file, JSON.stringify({ keys: keys.map((k) => k.publicJwk) }));
  return file;
}

function watcherOn(file: string, first: ReturnType<typeof startFirstTrustLoad>) {
  const w = new TrustListWatcher({ path: file, log: silentLogger(), first });
  watchers.push(w);
  const loaded: TrustListEvents['loaded'][] = [];
  w.events.on('loaded', (e) => {
    loaded.push(e);
  });
  return { w, loaded };
}

describe('trust list first load', () => {
  test('the watcher serves the store of the load begun before it, and says it loaded', async () => {
    const file = listFile([one]);
    const first = startFirstTrustLoad(file, silentLogger());
    const { w, loaded } = watcherOn(file, first);
    await w.start();
    expect(w.current()).toBe(await first.store);
    expect(trustStoreSize(w.current())).toEqual({ keys: 1, dsc: 0 });
    expect(loaded).toEqual([{ path: file, keys: 1, dsc: 0 }]);
  });

  test('a file rewritten after the first load began is loaded again by the watcher', async () => {
    const file = listFile([one]);
    const first = startFirstTrustLoad(file, silentLogger());
    writeFileSync(file, JSON.stringify({ keys: [one.publicJwk, two.publicJwk] }));
    const { w } = watcherOn(file, first);
    await w.start();
    expect(w.current()).not.toBe(await first.store);
    expect(trustStoreSize(w.current())).toEqual({ keys: 2, dsc: 0 });
    expect(w.current().gp1Keys.has(two.kid)).toBe(true);
  });

  test("a first load that fails is the watcher's alarm, not an unhandled rejection", async () => {
    const file = path.join(listFile([]), '..', 'missing.json');
    const first = startFirstTrustLoad(file, silentLogger());
    const { w } = watcherOn(file, first);
    const alarms: string[] = [];
    w.events.on('alarm', (e) => {
      alarms.push(e.message);
    });
    await w.start();
    expect(w.current().available).toBe(false);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toContain('missing.json');
  });
});
