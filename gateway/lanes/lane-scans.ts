import type { ScanEvent } from '../../devices/events.ts';
import type { LaneConfig } from '../../site-config/schema.ts';
import { codeKind } from '../mqtt/gateway-payloads.ts';
import { passReplayKey } from '../passes/replay-key.ts';
import { handledInput, type LaneInput } from './input-stages.ts';
import type { LaneModeKeeper } from './lane-mode.ts';
import type { PassCheck } from './lane-ports.ts';
import type { Alarm, AlarmParams } from './lane-records.ts';
import type { LaneTransits } from './lane-transits.ts';
import type { RecordTrail } from './record-trail.ts';
import type { ReplayGuard } from './replay-guard.ts';
import { IDLE_SCAN_WINDOW_MS, MAX_CODES_PER_TRANSIT, ScanBudget } from './scan-budget.ts';
import { summarizeVerdict, type Transit } from './transit.ts';

export interface LaneScansDeps {
  lane: string;
  kind: LaneConfig['kind'];
  mode: LaneModeKeeper;
  transits: LaneTransits;
  trail: RecordTrail;
  passes: PassCheck;
  replay: ReplayGuard;
  alarm: (kind: Alarm['kind'], message: string, transitId?: string, params?: AlarmParams) => Promise<unknown>;
  /** After an input: a late one reconsiders the decided transit; else it may be complete. */
  afterInput: (t: Transit, late: boolean) => Promise<void>;
  /** Decides a transit now (one over the scan budget is REVIEW). */
  decide: (t: Transit) => Promise<void>;
  publish: () => void;
}

/**
 * A lane's scans: each code's transit, its record, its verification and replay check, within
 * the store's budget (a repeated code counted, at most MAX_CODES_PER_TRANSIT codes a transit).
 */
export class LaneScans {
  /** Scans in maintenance (no transits): budgeted per window. */
  private idleScans = { since: -Infinity, budget: new ScanBudget() };

  constructor(private readonly d: LaneScansDeps) {}

  async onCode(e: ScanEvent, receivedAt: number): Promise<void> {
    if (this.d.mode.mode === 'maintenance') {
      // No transits: the lane's budget runs over a window instead.
      if (e.at - this.idleScans.since >= IDLE_SCAN_WINDOW_MS)
        this.idleScans = { since: e.at, budget: new ScanBudget() };
      const admitted = this.idleScans.budget.admit(e.code);
      if (admitted === 'store')
        this.d.trail.later('scan', {
          lane: this.d.lane,
          kind: codeKind(e.code),
          code: e.code,
          bytes: e.bytes,
        });
      else if (admitted === 'refuse' && this.idleScans.budget.refused === 1)
        await this.d.alarm(
          'scan-budget',
          `more than ${MAX_CODES_PER_TRANSIT} different codes scanned in maintenance: further scans are not stored`,
          undefined,
          { max: MAX_CODES_PER_TRANSIT, maintenance: 1 },
        );
      await this.d.trail.settled();
      return;
    }
    const { t, late } = await this.d.transits.for('scan', e.at);
    const admitted = t.scans.admit(e.code);
    if (admitted !== 'store') {
      if (admitted === 'refuse' && t.scans.refused === 1) await this.overBudget(t, receivedAt);
      this.d.publish();
      return;
    }
    // Handled from here: its transit found, or begun (a previous one's end committed first).
    const input: LaneInput = handledInput('scan', receivedAt);
    t.lastInput = input;
    // The scan, its verification (and the transit's start) share the decision's commit, if one follows.
    this.d.trail.later('scan', {
      lane: this.d.lane,
      transitId: t.id,
      kind: codeKind(e.code),
      code: e.code,
      bytes: e.bytes,
    });
    const verdict = await this.d.passes.verify(e.code, e.at);
    input.verifiedAt = performance.now();
    const earlier = this.d.replay.check(e.code, { lane: this.d.lane, transitId: t.id, at: e.at });
    // Another pass is another person in the cab; the same pass again (any spelling) is the same one.
    const person = t.crew.forPass(passReplayKey(e.code));
    if (!person) return this.publishAfter();
    const m = person.member;
    m.verdict = verdict;
    m.pass = summarizeVerdict(verdict);
    m.unverifiedCode = verdict.kind === 'unverified' ? e.code : undefined;
    // A truck leaving the yard shows the pass it showed at the entry lane: not a replay.
    const replayed = earlier !== undefined && this.d.kind !== 'yard-exit';
    m.replayed = replayed;
    this.d.trail.later('verification', {
      lane: this.d.lane,
      transitId: t.id,
      pass: m.pass,
      replayed,
      seat: m.seat,
    });
    if (replayed) {
      const where = earlier.lane === this.d.lane ? 'on this lane' : `at lane ${earlier.lane}`;
      await this.d.alarm('pass-replayed', `this pass was shown ${where} a short while ago`, t.id, {
        earlierLane: earlier.lane,
      });
    }
    await this.d.afterInput(t, late);
    await this.publishAfter();
  }

  private async publishAfter(): Promise<void> {
    await this.d.trail.settled(); // nothing is published before the records it shows are committed
    this.d.publish();
  }

  /**
   * The transit's scans went over the budget (once): an alarm says so, and a transit still
   * undecided goes to REVIEW (once its vehicle is there): staff look at the vehicle and the scanner.
   */
  private async overBudget(t: Transit, receivedAt: number): Promise<void> {
    const detail = `more than ${MAX_CODES_PER_TRANSIT} different codes scanned: further scans are refused`;
    await this.d.alarm('scan-budget', `${detail}; staff check the vehicle and the scanner`, t.id, {
      max: MAX_CODES_PER_TRANSIT,
    });
    t.lastInput = handledInput('scan', receivedAt);
    if (t.phase === 'collecting' && !t.awaitingVehicle) await this.d.decide(t);
  }
}
