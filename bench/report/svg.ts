/**
 * Small line charts as hand-written SVG (no chart library): lines, a log or linear x axis,
 * labelled reference lines and shaded x ranges.
 */
export interface Series {
  name: string;
  color: string;
  points: readonly (readonly [number, number])[];
}

export interface RefLine {
  at: number;
  label: string;
  color?: string;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  xLog?: boolean;
  /** Reference lines across the plot. */
  hLines?: RefLine[];
  vLines?: RefLine[];
  /** Shaded x ranges, e.g. a phase of the run. */
  bands?: { from: number; to: number; label: string }[];
  yMin?: number;
  yMax?: number;
  width?: number;
  height?: number;
}

const PAD = { left: 64, right: 20, top: 40, bottom: 64 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** About five round tick values between lo and hi. */
function ticks(lo: number, hi: number): number[] {
  const span = hi - lo || 1;
  const step0 = 10 ** Math.floor(Math.log10(span / 5));
  const step = [1, 2, 5, 10].map((m) => m * step0).find((s) => span / s <= 6) ?? step0 * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) out.push(v);
    }
  }
  return out;
}

function fmt(v: number): string {
  if (Math.abs(v) >= 1000) return v.toLocaleString('en');
  return String(Math.round(v * 100) / 100);
}

export function lineChart(o: ChartOptions): string {
  const W = o.width ?? 760;
  const H = o.height ?? 380;
  const pw = W - PAD.left - PAD.right;
  const ph = H - PAD.top - PAD.bottom;
  const pts = o.series.flatMap((s) => s.points);
  const xs = [...pts.map((p) => p[0]), ...(o.vLines ?? []).map((l) => l.at)].filter((x) => !o.xLog || x > 0);
  const ys = [...pts.map((p) => p[1]), ...(o.hLines ?? []).map((l) => l.at)];
  let x0 = Math.min(...xs, ...(o.bands ?? []).map((b) => b.from));
  let x1 = Math.max(...xs, ...(o.bands ?? []).map((b) => b.to));
  if (!Number.isFinite(x0) || !Number.isFinite(x1)) [x0, x1] = o.xLog ? [1, 10] : [0, 1];
  if (o.xLog) [x0, x1] = [10 ** Math.floor(Math.log10(x0)), 10 ** Math.ceil(Math.log10(x1))];
  if (x1 === x0) x1 = x0 + 1;
  const y0 = o.yMin ?? Math.min(0, ...ys);
  let y1 = o.yMax ?? Math.max(...ys, 1) * 1.08;
  if (y1 === y0) y1 = y0 + 1;
  const sx = (x: number) =>
    PAD.left +
    (o.xLog ? (Math.log10(x) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0)) : (x - x0) / (x1 - x0)) *
      pw;
  const sy = (y: number) => PAD.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`,
  );
  for (const b of o.bands ?? []) {
    const a = sx(Math.max(b.from, x0));
    const z = sx(Math.min(b.to, x1));
    out.push(
      `<rect x="${a.toFixed(1)}" y="${PAD.top}" width="${Math.max(0, z - a).toFixed(1)}" height="${ph}" fill="#f2e6d9"/>`,
      `<text x="${((a + z) / 2).toFixed(1)}" y="${PAD.top + 14}" text-anchor="middle" fill="#8a6d3b">${esc(b.label)}</text>`,
    );
  }
  for (const t of o.xLog ? logTicks(x0, x1) : ticks(x0, x1)) {
    const x = sx(t).toFixed(1);
    out.push(
      `<line x1="${x}" y1="${PAD.top}" x2="${x}" y2="${PAD.top + ph}" stroke="#eee"/>`,
      `<text x="${x}" y="${PAD.top + ph + 16}" text-anchor="middle">${fmt(t)}</text>`,
    );
  }
  for (const t of ticks(y0, y1)) {
    const y = sy(t).toFixed(1);
    out.push(
      `<line x1="${PAD.left}" y1="${y}" x2="${PAD.left + pw}" y2="${y}" stroke="#eee"/>`,
      `<text x="${PAD.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`,
    );
  }
  out.push(
    `<rect x="${PAD.left}" y="${PAD.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
    `<text x="${PAD.left + pw / 2}" y="${H - 30}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(16 ${PAD.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  for (const l of o.hLines ?? []) {
    if (l.at < y0 || l.at > y1) continue;
    const y = sy(l.at).toFixed(1);
    const c = l.color ?? '#c00';
    out.push(
      `<line x1="${PAD.left}" y1="${y}" x2="${PAD.left + pw}" y2="${y}" stroke="${c}" stroke-dasharray="6 4"/>`,
      `<text x="${PAD.left + pw - 4}" y="${Number(y) - 4}" text-anchor="end" fill="${c}">${esc(l.label)}</text>`,
    );
  }
  for (const l of o.vLines ?? []) {
    if (l.at < x0 || l.at > x1) continue;
    const x = sx(l.at).toFixed(1);
    const c = l.color ?? '#c00';
    out.push(
      `<line x1="${x}" y1="${PAD.top}" x2="${x}" y2="${PAD.top + ph}" stroke="${c}" stroke-dasharray="6 4"/>`,
      `<text x="${Number(x) + 4}" y="${PAD.top + 28}" fill="${c}">${esc(l.label)}</text>`,
    );
  }
  for (const s of o.series) {
    const ps = s.points.filter(([x, y]) => (!o.xLog || x > 0) && Number.isFinite(x) && Number.isFinite(y));
    if (ps.length === 0) continue;
    const d = ps
      .map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${sx(x).toFixed(1)} ${sy(y).toFixed(1)}`)
      .join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
  }
  o.series.forEach((s, i) => {
    const x = PAD.left + 10 + i * 230;
    const y = H - 10;
    out.push(
      `<line x1="${x}" y1="${y - 4}" x2="${x + 24}" y2="${y - 4}" stroke="${s.color}" stroke-width="3"/>`,
      `<text x="${x + 30}" y="${y}">${esc(s.name)}</text>`,
    );
  });
  out.push('</svg>', '');
  return out.join('\n');
}

/** The empirical distribution of samples as [value, fraction ≤ value] steps. */
export function cdf(values: readonly number[]): [number, number][] {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.map((v, i) => [v, (i + 1) / sorted.length]);
}
