import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * docs/operations.md's metric table names every `gatepost_*` series the product defines, and
 * nothing else. The sources are read as text: every `'gatepost_...'` string literal in gateway/
 * and broker/ is a series name (prom-client's `name:` and the broker's counts turned into
 * series). A row may shorten its further names to their suffix: "`gatepost_storage_used_bytes`,
 * `_limit_bytes`" names gatepost_storage_limit_bytes too.
 */
const ROOT = join(import.meta.dirname, '..', '..');

function sourceSeries(): Map<string, string> {
  const found = new Map<string, string>();
  for (const dir of ['gateway', 'broker']) {
    for (const e of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (!e.isFile() || !e.name.endsWith('.ts')) continue;
      const file = join(e.parentPath, e.name);
      for (const m of readFileSync(file, 'utf8').matchAll(/'(gatepost_[a-z0-9_]+)'/g)) {
        if (m[1] && !found.has(m[1])) found.set(m[1], relative(ROOT, file));
      }
    }
  }
  return found;
}

/**
 * The names each row of the Metrics section's table gives, shortened ones expanded: a `_suffix`
 * after a row's first name completes one of that name's prefixes (`gatepost_uplink_in_flight`,
 * `_reconnects_total`: gatepost_uplink_reconnects_total), the one `known` has, else the longest
 * (which the test then reports as not defined).
 */
function documentedSeries(markdown: string, known: ReadonlySet<string>): Set<string> {
  const section = markdown.split(/^## Metrics$/m)[1]?.split(/^## /m)[0] ?? '';
  const names = new Set<string>();
  for (const row of section.split('\n').filter((l) => l.startsWith('| `'))) {
    const cell = row.split('|')[1] ?? '';
    const full = [...cell.matchAll(/`(gatepost_[a-z0-9_]+)`/g)].map((m) => m[1] as string);
    for (const n of full) names.add(n);
    const parts = full[0]?.split('_');
    if (!parts) continue;
    for (const m of cell.matchAll(/`(_[a-z0-9_]+)`/g)) {
      const candidates = parts.slice(1).map((_, i) => parts.slice(0, parts.length - 1 - i).join('_') + m[1]);
      names.add(candidates.find((c) => known.has(c)) ?? (candidates[0] as string));
    }
  }
  return names;
}

describe('docs/operations.md metric table', () => {
  const doc = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
  const defined = sourceSeries();
  const documented = documentedSeries(doc, new Set(defined.keys()));

  it('expands a row of shortened names (the check of the check)', () => {
    const row = '## Metrics\n\n| `gatepost_storage_used_bytes`, `_limit_bytes`, `_usage_ratio` | gauge |\n';
    const known = new Set(['gatepost_storage_used_bytes', 'gatepost_storage_limit_bytes']);
    // The one known completes its prefix; an unknown one is kept at its longest, to be reported.
    expect([...documentedSeries(row, known)].sort()).toEqual([
      'gatepost_storage_limit_bytes',
      'gatepost_storage_used_bytes',
      'gatepost_storage_used_usage_ratio',
    ]);
  });

  it('names every gatepost_* series of the sources', () => {
    expect(defined.size).toBeGreaterThan(30);
    const missing = [...defined].filter(([n]) => !documented.has(n)).map(([n, file]) => `${n} (${file})`);
    expect(missing).toEqual([]);
  });

  it('names no series the sources do not define', () => {
    expect([...documented].filter((n) => !defined.has(n))).toEqual([]);
  });
});
