import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The repository stands alone: no tracked file refers to a path outside it (the `../shared`
 * folder that only this project's own CI has beside the clone, or any other sibling). A relative
 * path to `shared` that climbs out of the repository from the file that names it is such a
 * reference; one that stays inside (the web client's own `shared/` folder) is not.
 */
const root = path.resolve(import.meta.dirname, '..', '..');
const SELF = 'test/release/stands-alone.test.ts';
const TEXT = /\.(ts|js|mjs|cjs|json|md|yaml|yml|sh|txt|service|rules)$|^\.ci\/run$/;
const CLIMB = /(?:\.\.\/)+shared\b/g;

function referencesOutside(file: string, text: string, repoRoot: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(CLIMB)) {
    const target = path.resolve(repoRoot, path.dirname(file), m[0]);
    if (!target.startsWith(repoRoot + path.sep)) found.push(`${file}: ${m[0]}`);
  }
  if (/(^|[^/.\w])shared\/(spec|testdata|design)\//.test(text))
    found.push(`${file}: names shared/spec|testdata|design`);
  return found;
}

describe('the repository stands alone', () => {
  it('no tracked file refers to a path outside the repository', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      // This file names such paths as its own examples.
      .filter(
        (f) => TEXT.test(f) && !f.startsWith('test/fixtures/') && f !== 'package-lock.json' && f !== SELF,
      );
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((f) => referencesOutside(f, readFileSync(path.join(root, f), 'utf8'), root));
    expect(found).toEqual([]);
  });

  it('the check finds a reference that climbs out, and lets one that stays inside pass', () => {
    expect(referencesOutside('test/passes/helpers.ts', "path.resolve(dir, '../../../shared')", root)).toEqual(
      ['test/passes/helpers.ts: ../../../shared'],
    );
    expect(referencesOutside('README.md', 'see ../shared/spec/devices.md', root)).toEqual([
      'README.md: ../shared',
    ]);
    expect(referencesOutside('gateway/web/client/kiosk/main.ts', "import '../shared/dom.ts'", root)).toEqual(
      [],
    );
    expect(referencesOutside('docs/x.md', 'read shared/testdata/dgc first', root)).toHaveLength(1);
  });
});
