import { readFileSync, writeFileSync } from 'node:fs';
import { formatFigure, HEADLINE, targetText } from './headline.ts';

export const README_START = '<!-- bench:start -->';
export const README_END = '<!-- bench:end -->';

/**
 * The README's "Measured" table, from docs/benchmarks.json: every headline figure as the report
 * has it (a test compares the two), with its peer ratio and its target.
 */
export function readmeBlock(
  figures: Readonly<Record<string, number>>,
  when: string,
  machine: string,
): string {
  const rows = HEADLINE.map((h) => {
    const v = figures[h.name];
    const value = v === undefined ? 'missing' : `${formatFigure(v)} ${h.unit}`;
    const ratio =
      h.ratio && figures[h.ratio.name] !== undefined
        ? `${formatFigure(figures[h.ratio.name] ?? 0)}× ${h.ratio.of}`
        : '';
    return `| ${h.label} | \`${h.name}\` | ${value} | ${[ratio, targetText(h.target) && `target ${targetText(h.target)} ${h.unit}`].filter(Boolean).join('; ')} |`;
  });
  return [
    README_START,
    `Measured by \`npm run bench\` on ${when} (${machine}); every figure, its conditions and the charts are in [docs/benchmarks.md](docs/benchmarks.md). This table is rewritten by the bench.`,
    '',
    '| what | figure | measured | beside / target |',
    '|---|---|---|---|',
    ...rows,
    README_END,
  ].join('\n');
}

/** Replaces the marked block of the README (or appends a "Measured" section with it). */
export function rewriteReadme(path: string, block: string): void {
  const text = readFileSync(path, 'utf8');
  const a = text.indexOf(README_START);
  const b = text.indexOf(README_END);
  const next =
    a >= 0 && b > a
      ? `${text.slice(0, a)}${block}${text.slice(b + README_END.length)}`
      : `${text.trimEnd()}\n\n## Measured\n\n${block}\n`;
  writeFileSync(path, next);
}

/** The figures quoted in a README block: figure name → number (for the test). */
export function quotedFigures(readme: string): Map<string, number | 'missing'> {
  const a = readme.indexOf(README_START);
  const b = readme.indexOf(README_END);
  const out = new Map<string, number | 'missing'>();
  if (a < 0 || b < a) return out;
  for (const line of readme.slice(a, b).split('\n')) {
    const m = /^\|[^|]*\| `([a-z0-9_]+)` \| ([^|]+?) \|/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    const value = m[2].trim();
    out.set(m[1], value === 'missing' ? 'missing' : Number(value.split(' ')[0]?.replace(/,/g, '')));
  }
  return out;
}
