import type { BayState } from '../../../yard/yard-payloads.ts';

/**
 * One colour per bay state, chosen to stay apart for the common colour-vision deficiencies
 * (blue/orange/yellow carry the "waiting" states, red only isolation, a hatch marks blocked
 * bays, a corner mark overdue ones), with the text colour that reads on each.
 */
export const STATE_COLORS: Record<BayState, { fill: string; text: string }> = {
  free: { fill: '#2b3440', text: '#c7d2de' },
  reserved: { fill: '#60a5fa', text: '#000000' },
  occupied: { fill: '#a78bfa', text: '#000000' },
  sampled: { fill: '#facc15', text: '#000000' },
  overdue: { fill: '#f97316', text: '#000000' },
  cleared: { fill: '#22c55e', text: '#000000' },
  isolation: { fill: '#e11d48', text: '#ffffff' },
  blocked: { fill: '#6b7280', text: '#ffffff' },
};

/** A bay whose state is not known yet (no retained message so far). */
export const UNKNOWN_COLOR = { fill: '#11161d', text: '#4b5563' };

/** `#rrggbb` to [r, g, b]. */
export function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
