import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `npm ci` installs only from the lock and refuses a lock that misses an optional dependency of
 * any package in it, whatever the platform (a box on arm64 or armv7 needs the prebuilds this
 * x64 machine skips). npm does not always write them (cbor-extract 2.2.3 named platform packages
 * that were never published; package.json pins 2.2.2 with an override), so this check reads the
 * lock the way npm resolves a dependency: from the package's own node_modules up to the root.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
}

function readLock(): Record<string, LockEntry> {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    lockfileVersion: number;
    packages: Record<string, LockEntry>;
  };
  expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
  return lock.packages;
}

/** The lock key npm would install `name` at for the package at `from` (a lock key), or undefined. */
function resolveInLock(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const key = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (packages[key]) return key;
    if (dir === '') return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

function missingOptionals(packages: Record<string, LockEntry>): string[] {
  const missing: string[] = [];
  for (const [key, entry] of Object.entries(packages)) {
    for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
      const at = resolveInLock(packages, key, name);
      if (!at) {
        missing.push(`${key || '(root)'} -> ${name}@${range}`);
        continue;
      }
      const version = packages[at]?.version;
      // An exact pin (what platform packages use) must be met exactly.
      if (/^\d+\.\d+\.\d+$/.test(range) && version !== range)
        missing.push(`${key} -> ${name}@${range} (lock has ${version})`);
    }
  }
  return missing;
}

describe('package-lock.json for npm ci on every platform', () => {
  it('holds every optional (platform) dependency of every package it lists', () => {
    expect(missingOptionals(readLock())).toEqual([]);
  });

  it('holds the prebuilt platform packages a linux-arm64 and linux-armv7 box needs', () => {
    const keys = Object.keys(readLock());
    for (const platform of ['linux-arm64', 'linux-arm']) {
      expect(keys.some((k) => k.endsWith(`/@esbuild/${platform}`))).toBe(true);
      expect(keys.some((k) => k.endsWith(`/cbor-extract-${platform}`))).toBe(true);
    }
  });

  it('finds a missing optional dependency (the check can fail)', () => {
    const packages: Record<string, LockEntry> = {
      '': {},
      'node_modules/a': {
        version: '1.0.0',
        optionalDependencies: { '@x/a-linux-arm64': '1.0.0', b: '^2.0.0' },
      },
      'node_modules/a/node_modules/b': { version: '2.1.0' },
    };
    expect(missingOptionals(packages)).toEqual(['node_modules/a -> @x/a-linux-arm64@1.0.0']);
    packages['node_modules/@x/a-linux-arm64'] = { version: '1.0.1' };
    expect(missingOptionals(packages)).toEqual(['node_modules/a -> @x/a-linux-arm64@1.0.0 (lock has 1.0.1)']);
  });
});
