import { formatEvent } from '../traffic/sim-events.ts';
import type { Outcome } from '../traffic/stats.ts';
import { formatRunTime } from './duration.ts';
import type { SimulationRun } from './run.ts';

export interface SummaryHeader {
  site: string;
  scenario: string;
  seed: number;
  timeScale: number;
  /** e.g. `mqtt://127.0.0.1:1883`, or undefined when no broker is watched. */
  broker?: string;
  connected?: boolean;
}

const OUTCOMES: readonly Outcome[] = ['PASS', 'YARD', 'ISOLATE', 'REVIEW'];

/** The live summary of a run as one screen of text lines (for a terminal that is redrawn). */
export function summaryScreen(run: SimulationRun, h: SummaryHeader, width = 100): string[] {
  const s = run.traffic.stats;
  const elapsed = run.log.elapsed();
  const duration = run.scenario.duration;
  const lines: string[] = [];
  lines.push(
    `gatepost sim · site ${h.site} · scenario ${h.scenario} · seed ${h.seed} · ×${h.timeScale} · ` +
      `run ${formatRunTime(elapsed)}${duration === undefined ? '' : ` / ${formatRunTime(duration)}`}`,
  );
  lines.push(
    h.broker === undefined
      ? 'broker: not watched (no decisions, no yard staff)'
      : `broker ${h.broker}: ${h.connected ? 'connected' : 'not reachable (retrying)'}`,
  );
  lines.push('');
  lines.push(
    `arrivals ${s.arrivals}  turned away ${s.turnedAway}  scans ${s.scans}  measurements ${s.measurements}  ` +
      `fevers ${s.fevers}  crew ${s.crew}`,
  );
  lines.push(`passes   ${[...s.passKinds].map(([k, n]) => `${k} ${n}`).join('  ') || '-'}`);
  lines.push(
    `decisions seen ${s.total(s.decisions)}: ${OUTCOMES.map((o) => `${o} ${s.decisions.get(o) ?? 0}`).join('  ')}`,
  );
  lines.push(`lanes    through ${s.through}  backed off ${s.backedOff}  tailgates ${s.tailgates}`);
  for (const lane of run.traffic.lanes.values()) {
    const b = run.traffic.actions.barrier(lane.id);
    const v = lane.current;
    lines.push(
      `  ${lane.id.padEnd(12)} queue ${String(lane.queued).padStart(3)}  barrier ${b.state.padEnd(8)}` +
        `${b.jammed ? ' (jammed)' : ''}  loop ${b.loopOccupied ? 'occupied' : 'free    '}` +
        `${v ? `  truck ${v.truck.id}${v.decision ? ` ${v.decision.outcome}` : ''}` : ''}`,
    );
  }
  lines.push(
    `yard     parked ${s.parked}  in yard ${s.inYard}  samples ${s.samples}  results ${s.negatives} neg / ` +
      `${s.positives} pos  to isolation ${s.movedToIsolation}  left ${s.leftYard}  staff failures ${s.staffFailures}`,
  );
  lines.push(
    `faults   injected ${s.total(s.faults)}${s.faults.size ? `: ${[...s.faults].map(([k, n]) => `${k} ${n}`).join('  ')}` : ''}`,
  );
  for (const f of run.faults.activeFaults()) {
    lines.push(`  active: ${f.label}${f.until === undefined ? '' : ` until ${formatRunTime(f.until)}`}`);
  }
  lines.push('');
  lines.push('recent:');
  for (const e of run.log.recent()) lines.push(`  ${formatEvent(e)}`);
  return lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
}

/** One line per interval, for a log or a pipe. */
export function summaryLine(run: SimulationRun, h: Pick<SummaryHeader, 'connected' | 'broker'>): string {
  const s = run.traffic.stats;
  const decisions = OUTCOMES.map((o) => `${o}=${s.decisions.get(o) ?? 0}`).join(' ');
  return (
    `${formatRunTime(run.log.elapsed())} arrivals=${s.arrivals} scans=${s.scans} through=${s.through} ` +
    `backedOff=${s.backedOff} ${decisions} inYard=${s.inYard} leftYard=${s.leftYard} ` +
    `faults=${s.total(s.faults)} activeFaults=${s.activeFaults}` +
    (h.broker === undefined ? '' : ` broker=${h.connected ? 'up' : 'down'}`)
  );
}
