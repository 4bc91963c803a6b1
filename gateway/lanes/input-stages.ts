import type { DecisionTrigger } from './lane-records.ts';

/**
 * What last moved a transit on, and the moments (performance.now(), ms) it passed on its way to
 * the barrier command: reached the lane (`at`, before the lane's queue), handled off the queue,
 * its pass verified (scans only), its decision handed to the store, committed (fsync'd). Marks
 * are set as the input passes them; one that was never passed is absent.
 */
export interface LaneInput {
  kind: DecisionTrigger;
  at: number;
  handledAt?: number;
  verifiedAt?: number;
  committingAt?: number;
  committedAt?: number;
}

/** An input of `kind` that reached the lane at `at`, handled now (off the lane's queue). */
export function handledInput(kind: DecisionTrigger, at: number): LaneInput {
  return { kind, at, handledAt: performance.now() };
}

/**
 * The stages of an input's way to its barrier command, in order:
 * - `queue`: from reaching the lane to being handled (the lane's queue, the event loop's backlog,
 *   and for a scan that begins a transit while the last one is ending, that one's end record);
 * - `verify`: the pass's verification (a scan's);
 * - `decide`: the rules, a bay reserved, the decision record built;
 * - `commit`: the decision (and the records sharing its commit) stored and fsync'd;
 * - `command`: from the commit to the command issued to the barrier's driver.
 */
export const INPUT_STAGES = ['queue', 'verify', 'decide', 'commit', 'command'] as const;
export type InputStage = (typeof INPUT_STAGES)[number];
export type InputStageTimes = Partial<Record<InputStage, number>>;

/**
 * Each stage's milliseconds, for an input whose command was issued at `commandAt`. A stage whose
 * mark is absent is absent (a measurement has no `verify`) and its time goes to the next stage
 * that has one; a mark out of order (earlier than the one before it) counts from the one before.
 * So the stages are never negative and add up to the whole way, `commandAt - at`, when that is
 * not negative.
 */
export function inputStageTimes(input: LaneInput, commandAt: number): InputStageTimes {
  const marks: [InputStage, number | undefined][] = [
    ['queue', input.handledAt],
    ['verify', input.verifiedAt],
    ['decide', input.committingAt],
    ['commit', input.committedAt],
    ['command', commandAt],
  ];
  const out: InputStageTimes = {};
  let from = input.at;
  for (const [stage, mark] of marks) {
    if (mark === undefined || !Number.isFinite(mark)) continue;
    const to = Math.max(from, mark);
    out[stage] = to - from;
    from = to;
  }
  return out;
}
