import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBundle } from '../../core/module-build.js';
import { configFilePaths, prepareConfigStart, readMarker } from '../../gateway/downlink/config-files.ts';
import { loadConfigFile } from '../../site-config/load.ts';

// Built into a plain module once (core/module-build.js, cached): each of the eight starts runs it
// instead of compiling it through tsx again.
const CHILD = fileURLToPath(await buildBundle(join(import.meta.dirname, 'config-crash-child.ts')));
const DEMO = join(import.meta.dirname, '../../config/demo.yaml');
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0).reverse()) c();
});

/** Runs the child until it has printed `lines` steps, plus a random few ms; then SIGKILL. */
async function killWhileApplying(dir: string, lines: number): Promise<string[]> {
  const child: ChildProcess = spawn(process.execPath, [CHILD, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.push(() => child.kill('SIGKILL'));
  const seen: string[] = [];
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise((r) => child.once('exit', r));
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (c: Buffer) => {
      buf += c.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      seen.push(...parts);
      if (seen.length >= lines) resolve();
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}): ${err.slice(0, 2000)}`)));
  });
  await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 15)));
  child.kill('SIGKILL');
  await exited;
  return seen;
}

describe('a power cut while a config from the downlink is applied', () => {
  it('leaves the config file the old one or the new one, whole; the next start resolves the marker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatepost-config-crash-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    // Two valid configs of ~100 KB (the comment pads them), so a write takes a while.
    const demo = readFileSync(DEMO, 'utf8');
    const pad = (tag: string) => `# ${tag} ${'x'.repeat(100)}\n`.repeat(900);
    const a = `${pad('A')}${demo}`;
    const b = `${pad('B')}${demo.replace('name: Demo checkpoint', 'name: Demo checkpoint B')}`;
    writeFileSync(join(dir, 'a.yaml'), a);
    writeFileSync(join(dir, 'b.yaml'), b);
    const file = join(dir, 'site.yaml');
    writeFileSync(file, a);
    const paths = configFilePaths(file);
    const steps = new Map<string, number>();
    for (let round = 0; round < 8; round++) {
      const seen = await killWhileApplying(dir, 3 + ((round * 5) % 17));
      const last = seen.at(-1)?.split(' ')[0] ?? '';
      steps.set(last, (steps.get(last) ?? 0) + 1);
      const content = readFileSync(file, 'utf8');
      expect([a, b], `round ${round} (after ${seen.at(-1)}): the config is A or B, whole`).toContain(content);
      // The start path's first look, as gatepost start does it after the power comes back.
      const state = prepareConfigStart(paths);
      const after = readFileSync(file, 'utf8');
      expect([a, b]).toContain(after);
      expect(loadConfigFile(file).site.id).toBe('demo');
      const marker = readMarker(paths);
      if (state.trial) expect(marker?.state).toBe('trial');
      if (marker?.state === 'rolled-back' && existsSync(paths.lastGood))
        expect(after).toBe(readFileSync(paths.lastGood, 'utf8'));
    }
    // Kills landed in more than one step of the change.
    expect(steps.size).toBeGreaterThan(1);
  }, 120_000);
});
