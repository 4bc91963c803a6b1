import type { Machine } from '../support/machine.ts';
import { formatFigure, HEADLINE, targetText, targetVerdict } from './headline.ts';

/** One benchmark's outcome in the report. */
export interface SectionResult {
  id: string;
  title: string;
  /** What was measured and under which conditions (pragmas, loads, sample counts). */
  conditions: string[];
  figures: Record<string, number>;
  status: 'ok' | 'failed' | 'missing';
  /** The error, or why it is missing. */
  note?: string;
  seconds: number;
}

export interface ReportMeta {
  command: string;
  startedAt: string;
  seconds: number;
  machine: Machine;
  commit: string;
  nodeFlags: string[];
  loadAtEnd: number;
  /** cpuReference() when the run ended. */
  cpuAtEnd: number;
  /** Charts written beside the report: path from docs/, and what they show. */
  charts: { file: string; alt: string }[];
}

/** docs/benchmarks.md: the headline table, then every benchmark with its figures and conditions. */
export function renderMarkdown(
  meta: ReportMeta,
  sections: SectionResult[],
  all: Record<string, number>,
): string {
  const m = meta.machine;
  const out: string[] = [
    '# Benchmarks',
    '',
    `Written by \`${meta.command}\` (bench/run.ts) on ${meta.startedAt}, in ${Math.round(meta.seconds)} s. Do not edit: run it again.`,
    '',
    '| machine | |',
    '|---|---|',
    `| CPU | ${m.cpu}, ${m.cores} cores |`,
    `| memory | ${m.memoryGb} GB |`,
    `| OS | ${m.os} |`,
    `| Node | ${m.node}; the gateway process runs with \`${meta.nodeFlags.join(' ') || '(no flags)'}\` (the flags of ops/gatepost.service) |`,
    `| commit | ${meta.commit} |`,
    `| load average (1 min) | ${m.loadAtStart} at the start, ${meta.loadAtEnd} at the end: other work on the box shows in every figure |`,
    `| one core's speed (\`cpu_reference_ed25519_per_s\`) | ${m.cpuAtStart.toLocaleString('en-US')} Ed25519 verifications a second at the start, ${meta.cpuAtEnd.toLocaleString('en-US')} at the end (bench/support/machine.ts): this virtual machine's core is not always as fast; CPU-bound figures of runs at different speeds do not compare |`,
    '',
    'Every figure is also in [benchmarks.json](benchmarks.json) (figure name → number); the README quotes the headline ones.',
    '',
    '## Headline figures',
    '',
    '| what | figure | measured | beside | target |',
    '|---|---|---|---|---|',
  ];
  for (const h of HEADLINE) {
    const v = all[h.name];
    const r = h.ratio ? all[h.ratio.name] : undefined;
    const beside = h.ratio && r !== undefined ? `${formatFigure(r)}× ${h.ratio.of}` : '';
    const verdict = targetVerdict(h.target, v);
    const target = h.target ? `${targetText(h.target)} ${h.unit}${verdict ? ` (${verdict})` : ''}` : '';
    out.push(
      `| ${h.label} | \`${h.name}\` | ${v === undefined ? '**missing**' : `${formatFigure(v)} ${h.unit}`} | ${beside} | ${target} |`,
    );
  }
  out.push('', '## Charts', '');
  for (const c of meta.charts) out.push(`![${c.alt}](${c.file})`, '');
  for (const s of sections) {
    out.push(`## ${s.title}`, '');
    if (s.status !== 'ok') out.push(`**${s.status}**: ${s.note ?? ''}`, '');
    for (const c of s.conditions) out.push(`- ${c}`);
    if (s.conditions.length) out.push('');
    const names = Object.keys(s.figures);
    if (names.length) {
      out.push('| figure | value |', '|---|---|');
      for (const n of names) out.push(`| \`${n}\` | ${formatFigure(s.figures[n] ?? Number.NaN)} |`);
      out.push('');
    }
    out.push(`_${Math.round(s.seconds)} s_`, '');
  }
  return `${out.join('\n')}\n`;
}
