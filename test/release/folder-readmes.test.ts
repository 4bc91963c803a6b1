import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Each top-level folder of code has a README.md that names each of its subfolders (as `name/`)
 * and each source file directly in it, so that a reader finds every part from the folder's
 * README and a folder or file added without a word about it fails here.
 */
const root = join(import.meta.dirname, '..', '..');
/** Not code of ours: installed, built, generated or run-time folders. */
const SKIP = new Set(['node_modules', 'dist', 'release', 'var', 'docs', 'coverage']);
const SOURCE = /\.(ts|js|cjs|mjs|sh|c)$/;
const isSource = (name: string) => SOURCE.test(name) && !name.endsWith('.d.ts');
const isDir = (path: string) => statSync(path).isDirectory();

function holdsSource(dir: string): boolean {
  return readdirSync(dir).some((name) => {
    const path = join(dir, name);
    return name !== 'node_modules' && (isDir(path) ? holdsSource(path) : isSource(name));
  });
}

const folders = readdirSync(root)
  .filter((name) => !name.startsWith('.') && !SKIP.has(name) && isDir(join(root, name)))
  .filter((name) => holdsSource(join(root, name)));

/** Every source file of the repository (declaration files too), as a path from the root. */
function allSources(dir = root, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name.startsWith('.') || SKIP.has(name)) return [];
    const path = join(dir, name);
    return isDir(path)
      ? allSources(path, `${prefix}${name}/`)
      : SOURCE.test(name)
        ? [`${prefix}${name}`]
        : [];
  });
}

describe('folder READMEs', () => {
  it('finds the folders of code', () => {
    expect(folders).toEqual(expect.arrayContaining(['core', 'devices', 'broker', 'gateway', 'sim', 'test']));
  });

  it.each(folders)('%s/README.md names each subfolder and each source file in it', (folder) => {
    const dir = join(root, folder);
    const readme = join(dir, 'README.md');
    expect(existsSync(readme), `${folder}/README.md`).toBe(true);
    const text = readFileSync(readme, 'utf8');
    const entries = readdirSync(dir).filter((name) => !name.startsWith('.') && name !== 'node_modules');
    const subfolders = entries.filter((name) => isDir(join(dir, name)) && holdsSource(join(dir, name)));
    const files = entries.filter((name) => !isDir(join(dir, name)) && isSource(name));
    const named = (word: string) =>
      new RegExp(`(^|[^\\w.-])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).test(text);
    expect(
      subfolders.filter((name) => !named(`${name}/`)),
      `subfolders missing from ${folder}/README.md`,
    ).toEqual([]);
    expect(
      files.filter((name) => !named(name)),
      `files missing from ${folder}/README.md`,
    ).toEqual([]);
  });

  it.each(folders)('%s/README.md names no source file that is gone', (folder) => {
    const text = readFileSync(join(root, folder, 'README.md'), 'utf8');
    const sources = allSources();
    const mentioned = [...text.matchAll(/`([\w./*-]+\.(?:ts|js|cjs|mjs|sh|c))`/g)].map((m) => m[1] as string);
    const gone = mentioned.filter(
      (name) => !name.includes('*') && !sources.some((path) => path === name || path.endsWith(`/${name}`)),
    );
    expect(gone, `named in ${folder}/README.md but not in the tree`).toEqual([]);
  });
});
