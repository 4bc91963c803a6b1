import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBundle } from '../../core/module-build.js';
import { generateCentralKey } from '../../gateway/downlink/envelope-sign.ts';
import { DownlinkVersionStore } from '../../gateway/downlink/version-store.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { bigTrustList } from './trust-lists.ts';

// Built into a plain module once (core/module-build.js, as the gateway's own start does): each of
// the four starts then loads it in well under a second instead of compiling it through tsx.
const CHILD = fileURLToPath(await buildBundle(join(import.meta.dirname, 'trust-list-child.ts')));
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0).reverse()) c();
});

/** Starts the child and resolves once it has begun applying its `n`th envelope since start. */
function startApplying(
  dir: string,
  keyFile: string,
  n: number,
): Promise<{ child: ChildProcess; lines: string[] }> {
  const child = spawn(process.execPath, [CHILD, dir, keyFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.push(() => child.kill('SIGKILL'));
  const lines: string[] = [];
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    let applying = 0;
    child.stdout?.on('data', (c: Buffer) => {
      buf += c.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      for (const l of parts) {
        lines.push(l);
        if (l.startsWith('applying ') && ++applying === n) resolve({ child, lines });
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`child exited (${code}) before applying: ${err.slice(0, 2000)}`)),
    );
  });
}

describe('a power cut while a trust list is applied', () => {
  it('leaves the old list or the new one, whole, never a mix; the version store stays consistent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatepost-downlink-crash-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const key = generateCentralKey('crash-key').privateJwk;
    const keyFile = join(dir, 'central.jwk');
    writeFileSync(keyFile, JSON.stringify(key));
    const whole = new Set([JSON.stringify(bigTrustList('A')), JSON.stringify(bigTrustList('B'))]);
    const path = join(dir, 'trust-list.json');
    let kills = 0;
    let midWrite = 0;
    for (let round = 0; round < 4; round++) {
      const { child, lines } = await startApplying(dir, keyFile, 2 + (round % 3));
      // Somewhere inside the write of the envelope just begun (each takes tens of ms).
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      kills++;
      if (lines.at(-1)?.startsWith('applying ')) midWrite++;
      const content = readFileSync(path, 'utf8').trim();
      expect(whole.has(content), `round ${round}: the trust list is one of the two lists, whole`).toBe(true);
      if (existsSync(`${path}.previous`)) {
        const previous = readFileSync(`${path}.previous`, 'utf8').trim();
        expect(whole.has(previous), `round ${round}: the previous list is whole too`).toBe(true);
      }
    }
    expect(kills).toBe(4);
    // Most kills land while an envelope is being applied (not between two).
    expect(midWrite).toBeGreaterThan(0);
    // The store's version of the trust list is one the file can hold: the file is the list of
    // that version, or of the next one (killed after the rename, before the version was stored).
    const db = openDatabase(join(dir, 'g.db'));
    const version = new DownlinkVersionStore(db).current('trust-list')?.version ?? 0;
    db.close();
    const content = readFileSync(path, 'utf8').trim();
    const ofVersion = (v: number) => JSON.stringify(bigTrustList(v % 2 === 0 ? 'A' : 'B'));
    expect([ofVersion(version), ofVersion(version + 1)]).toContain(content);
    // A temp file left by a kill is removed by the next install, never read as the list.
    const temps = readdirSync(dir).filter((n) => n.endsWith('.tmp'));
    expect(temps.every((n) => n.startsWith('.trust-list.json'))).toBe(true);
  }, 120_000);
});
