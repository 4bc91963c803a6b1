import { statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildBundle } from '../../bin/bundle.js';

const ENTRY = join(import.meta.dirname, 'fixtures', 'bundle-entry.ts');
const DEP = join(import.meta.dirname, 'fixtures', 'bundle-dep.ts');
const POINTER = join(
  process.cwd(),
  'node_modules',
  '.cache',
  'gatepost',
  'test.bin.fixtures.bundle-entry.current',
);

describe('bin/bundle.js: the sources built into plain modules', () => {
  it('keeps each module’s import.meta paths, and rebuilds only when a file it was made of changed', async () => {
    const url = await buildBundle(ENTRY);
    const m = (await import(url.href)) as Record<string, unknown> & { later: () => Promise<string> };
    expect(m.entryUrl).toBe(pathToFileURL(ENTRY).href);
    expect(m.depUrl).toBe(pathToFileURL(DEP).href);
    expect(m.depDir).toBe(join(import.meta.dirname, 'fixtures'));
    expect(await m.later()).toBe(pathToFileURL(DEP).href);

    // Nothing changed: the same build, its list of inputs not even rewritten.
    const listed = statSync(POINTER).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    expect((await buildBundle(ENTRY)).href).toBe(url.href);
    expect(statSync(POINTER).mtimeMs).toBe(listed);

    // A file it was made of was touched: built again (same content, same folder), list rewritten.
    const { atime, mtime } = statSync(DEP);
    try {
      utimesSync(DEP, atime, new Date(mtime.getTime() + 1000));
      expect((await buildBundle(ENTRY)).href).toBe(url.href);
      expect(statSync(POINTER).mtimeMs).toBeGreaterThan(listed);
    } finally {
      utimesSync(DEP, atime, mtime);
    }
  });
});
