import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ErrorCode, isGatepostError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import { dscKid } from '../../gateway/passes/dsc.ts';
import {
  buildTrustStore,
  loadTrustListFile,
  parseTrustList,
  trustStoreSize,
} from '../../gateway/passes/trust-list.ts';
import { type TrustListEvents, TrustListWatcher } from '../../gateway/passes/trust-list-watcher.ts';
import { PassVerifier } from '../../gateway/passes/verifier.ts';
import { dccCaseContext, type Gp1Signer, gp1Claims, gp1Signer } from './helpers.ts';

const AT = Date.UTC(2026, 10, 22, 8, 0, 0);
const EVENT_WAIT_MS = 5000;

let signer: Gp1Signer;
let dscCase: Awaited<ReturnType<typeof dccCaseContext>>;
const dirs: string[] = [];
const watchers: TrustListWatcher[] = [];

beforeAll(async () => {
  signer = await gp1Signer('site-key-1');
  dscCase = await dccCaseContext('common/2DCode/raw/CO3.json');
});

afterEach(() => {
  for (const w of watchers.splice(0)) w.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gatepost-trust-'));
  dirs.push(dir);
  return dir;
}

async function expectTrustError(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isGatepostError(err, ErrorCode.TrustListUnreadable), String(err)).toBe(true);
}

describe('trust list file', () => {
  test('keys and dsc are each optional', async () => {
    expect(parseTrustList({})).toEqual({});
    const store = await buildTrustStore(parseTrustList({ keys: [signer.publicJwk], dsc: [dscCase.cert] }));
    expect(store.available).toBe(true);
    expect(trustStoreSize(store)).toEqual({ keys: 1, dsc: 1 });
    expect(store.gp1Keys.has(signer.kid)).toBe(true);
    expect(store.dscByKid.has(dscKid(Buffer.from(dscCase.cert, 'base64')))).toBe(true);
  });

  test.each([
    ['a private key', () => ({ keys: [{ ...signer.publicJwk, d: 'AAAA' }] })],
    [
      'a key of another type',
      () => ({ keys: [{ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA', kid: 'k' }] }),
    ],
    ['a key without kid', () => ({ keys: [{ ...signer.publicJwk, kid: undefined }] })],
    ['a certificate that is not base64', () => ({ dsc: ['not base64!'] })],
    ['an unknown top-level field', () => ({ keys: [], dscs: [] })],
    ['not an object', () => ['keys']],
  ])('rejects %s', (_what, make) => {
    expect(() => parseTrustList(JSON.parse(JSON.stringify(make())))).toThrow(/not valid/);
  });

  test('rejects base64 that is no certificate', async () => {
    await expectTrustError(buildTrustStore({ dsc: [Buffer.from('hello world').toString('base64')] }));
  });

  test('a missing or non-JSON file is a TrustListUnreadable error', async () => {
    const dir = tempDir();
    await expectTrustError(loadTrustListFile(path.join(dir, 'absent.json')));
    writeFileSync(path.join(dir, 'broken.json'), '{"keys": [');
    await expectTrustError(loadTrustListFile(path.join(dir, 'broken.json')));
  });
});

/** Resolves with the next event of the kind, or rejects after a while. */
function nextEvent<K extends keyof TrustListEvents>(
  w: TrustListWatcher,
  kind: K,
): Promise<TrustListEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${String(kind)} event`)), EVENT_WAIT_MS);
    const off = w.events.on(kind, (payload) => {
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

function startWatcher(file: string, retryMs = 5000): TrustListWatcher {
  const w = new TrustListWatcher({ path: file, log: silentLogger(), debounceMs: 20, retryMs });
  watchers.push(w);
  return w;
}

describe('trust list watcher', () => {
  test('a missing trust list is an alarm, not a crash, and every pass is untrusted', async () => {
    const file = path.join(tempDir(), 'trust.json');
    const w = startWatcher(file);
    const alarm = nextEvent(w, 'alarm');
    await w.start();
    expect(await alarm).toMatchObject({ path: file, code: ErrorCode.TrustListUnreadable });
    expect(w.current().available).toBe(false);
    const verifier = new PassVerifier({ trust: () => w.current() });
    const v = await verifier.verify(await signer.sign(gp1Claims(AT)), AT);
    expect(v).toMatchObject({ valid: false, reasons: ['untrusted'] });
  });

  test('reloads on change, without restart: appears, changes, breaks, is replaced', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'trust.json');
    const w = startWatcher(file);
    await w.start();
    const verifier = new PassVerifier({ trust: () => w.current() });
    const pass = await signer.sign(gp1Claims(AT));
    expect((await verifier.verify(pass, AT)).valid).toBe(false);

    // The file appears: the GP1 key is trusted.
    let loaded = nextEvent(w, 'loaded');
    writeFileSync(file, JSON.stringify({ keys: [signer.publicJwk] }));
    expect(await loaded).toEqual({ path: file, keys: 1, dsc: 0 });
    expect((await verifier.verify(pass, AT)).valid).toBe(true);

    // Edited in place: now only the DSC.
    loaded = nextEvent(w, 'loaded');
    writeFileSync(file, JSON.stringify({ dsc: [dscCase.cert] }));
    expect(await loaded).toEqual({ path: file, keys: 0, dsc: 1 });
    expect((await verifier.verify(pass, AT)).reasons).toEqual(['unknown-kid']);
    expect((await verifier.verify(dscCase.code, dscCase.at)).valid).toBe(true);

    // Broken: an alarm, and nothing is trusted any more.
    const alarm = nextEvent(w, 'alarm');
    writeFileSync(file, '{ not json');
    expect((await alarm).message).toMatch(/not JSON/);
    expect((await verifier.verify(dscCase.code, dscCase.at)).reasons).toEqual(['untrusted']);

    // Replaced atomically (write beside, rename over): trusted again.
    loaded = nextEvent(w, 'loaded');
    writeFileSync(
      path.join(dir, 'trust.json.tmp'),
      JSON.stringify({ keys: [signer.publicJwk], dsc: [dscCase.cert] }),
    );
    renameSync(path.join(dir, 'trust.json.tmp'), file);
    expect(await loaded).toEqual({ path: file, keys: 1, dsc: 1 });
    expect((await verifier.verify(pass, AT)).valid).toBe(true);
  });

  test('a trust list directory that does not exist yet is watched once it does', async () => {
    const dir = path.join(tempDir(), 'later');
    const file = path.join(dir, 'trust.json');
    const w = startWatcher(file, 50);
    const alarm = nextEvent(w, 'alarm');
    await w.start();
    await alarm;
    const loaded = nextEvent(w, 'loaded');
    mkdirSync(dir);
    writeFileSync(file, JSON.stringify({ keys: [signer.publicJwk] }));
    expect(await loaded).toEqual({ path: file, keys: 1, dsc: 0 });
    expect(w.current().available).toBe(true);
  });

  test('other files in the directory do not trigger a reload', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'trust.json');
    writeFileSync(file, JSON.stringify({ keys: [signer.publicJwk] }));
    const w = startWatcher(file);
    await w.start();
    let events = 0;
    w.events.on('loaded', () => events++);
    w.events.on('alarm', () => events++);
    writeFileSync(path.join(dir, 'other.txt'), 'x');
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toBe(0);
    expect(w.current().available).toBe(true);
  });
});
