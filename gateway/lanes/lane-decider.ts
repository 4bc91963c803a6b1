import type { Clock } from '../../core/clock.ts';
import { errorMessage } from '../../core/errors.ts';
import type { LaneConfig } from '../../site-config/schema.ts';
import { type CrewDecision, feverOnly, rulesDecision } from './crew-decision.ts';
import type { DecisionRules } from './decision-rules.ts';
import type { Decision, DecisionReason, Outcome } from './decision-schema.ts';
import {
  decisionRecord,
  escalation,
  exitDecision,
  exitNotStored,
  needsBay,
  type Placed,
  reserveBay,
  toReceivingBay,
  unreserved,
} from './decision-steps.ts';
import type { LaneBarrierActions } from './lane-barrier.ts';
import type { LaneModeKeeper } from './lane-mode.ts';
import type {
  BayReservations,
  HandoverReceiving,
  PreRegistrationLookup,
  YardCommit,
  YardExits,
} from './lane-ports.ts';
import { lookUpPreRegistration } from './lane-pre-registrations.ts';
import type { Alarm, LaneRecordData } from './lane-records.ts';
import { awaitsReading } from './temperature-rules.ts';
import type { Transit } from './transit.ts';

export interface LaneDeciderDeps {
  config: LaneConfig;
  rules: DecisionRules;
  clock: Clock;
  yard: BayReservations | undefined;
  exits: YardExits | undefined;
  /** The yard's open hand-overs waiting for a receiving truck (entry lanes send it to the bay). */
  handovers?: HandoverReceiving | undefined;
  /** The trucks announced by the central office (a truck without a pass may be one). */
  preRegistrations?: PreRegistrationLookup | undefined;
  hasThermometer: boolean;
  mode: LaneModeKeeper;
  barrier: LaneBarrierActions;
  /** A vehicle is on the loop now. */
  vehicleOn: () => boolean;
  record: (type: 'decision', data: LaneRecordData<'decision'>) => Promise<unknown>;
  alarm: (kind: Alarm['kind'], message: string, transitId?: string) => Promise<unknown>;
}

const OPENS: ReadonlySet<Outcome> = new Set(['PASS', 'YARD']);
const hasFever = (reasons: readonly DecisionReason[] | undefined) =>
  reasons?.some((r) => r.code === 'fever') ?? false;
/** A reason as decided on: a late input adds what is new (another person's reason is). */
const reasonKey = (r: DecisionReason) => `${r.code}|${r.detail}`;

/**
 * A lane's decisions and what follows them: the rules (or the yard's exit check) applied, a bay
 * reserved for YARD and ISOLATE, the decision record committed, and only then the barrier
 * command and the alarms.
 */
export class LaneDecider {
  constructor(private readonly d: LaneDeciderDeps) {}

  private get lane(): string {
    return this.d.config.id;
  }

  /** Decides a transit by the site's rules, or at a yard exit by a fever, then the yard's exit check. */
  async decide(t: Transit): Promise<void> {
    t.phase = 'deciding';
    t.crew.settle();
    const { clock, config, exits } = this.d;
    if (config.kind === 'yard-exit' && exits) {
      // A fever keeps the truck in the yard: the exit is not even asked for (its bay stays held).
      const fever = feverOnly(t, this.d.rules, clock.now());
      const d = fever.reasons.length > 0 ? fever : await exitDecision(exits, t, this.lane, clock);
      await this.commit(t, d, 'rules');
      return;
    }
    lookUpPreRegistration(t, this.d.preRegistrations, clock.now());
    const d = rulesDecision(t, this.d.rules, clock.now(), this.d.hasThermometer, config.destinations);
    // Nothing has waited since: the rules' answer is also the transit's facts (commit's `facts`),
    // but at a yard exit (one without the yard's exit check), where the facts are the fever's only.
    await this.commit(t, d, 'rules', undefined, false, config.kind === 'yard-exit' ? undefined : d);
  }

  /**
   * A scan, a measurement or a registration after the decision, while the vehicle is still
   * there: a worse outcome is committed as a new decision (never a milder one: staff do that);
   * the decision is committed again with the new facts for a registration (`always`), a person
   * who joined the crew or a person's first reading.
   */
  async reconsider(t: Transit, always: boolean): Promise<void> {
    const prev = t.decision;
    if (!prev) return;
    // A fever (or a reading) the rules held for confirmation is decided by the confirming
    // reading, either way: the one late input that may make a decision milder (temperature-rules.ts).
    const now = this.facts(t);
    if (prev.by === 'rules' && awaitsReading(prev.reasons) && !awaitsReading(now.reasons)) {
      // At a yard exit the truck is then checked out as at first (fever, then the yard's word).
      if (this.d.config.kind === 'yard-exit') await this.decide(t);
      else await this.commit(t, now, 'rules', undefined, t.opened || t.phase === 'leaving');
      return;
    }
    const news = now.reasons.filter((r) => !t.decidedOn.has(reasonKey(r)));
    const worse = escalation(prev, news);
    if (worse) await this.commit(t, worse, 'rules', undefined, true);
    // A person who joined, or a first reading, goes on record (the ledger has a row per person).
    else if (always || t.crew.shape !== t.decidedCrew)
      await this.commit(t, prev, prev.by, prev.staffId, true);
  }

  /** What the rules make of a transit's facts now (at a yard exit, only a fever counts then). */
  private facts(t: Transit): CrewDecision {
    t.crew.settle(); // a reading nobody took is someone's: never dropped
    const now = this.d.clock.now();
    if (this.d.config.kind !== 'yard-exit') lookUpPreRegistration(t, this.d.preRegistrations, now);
    return this.d.config.kind === 'yard-exit'
      ? feverOnly(t, this.d.rules, now)
      : rulesDecision(t, this.d.rules, now, this.d.hasThermometer, this.d.config.destinations);
  }

  /**
   * Reserves a bay if the outcome needs one, commits the decision, then acts on it. `late`: the
   * decision follows an earlier one for the same vehicle, whose barrier command stands. `known`:
   * what the rules made of the transit's facts in this same turn (else asked of them again).
   */
  async commit(
    t: Transit,
    d: Decision & { committed?: YardCommit },
    by: 'rules' | 'staff',
    staffId?: string,
    late = false,
    known?: CrewDecision,
  ): Promise<Decision> {
    const prev = t.decision;
    const facts = known ?? this.facts(t);
    t.personDecisions = facts.persons; // each person's own outcome, whoever decides the transit
    // A bay is kept only by a decision that needs one (a PASS after a YARD shows none).
    const held = needsBay(d.outcome) ? prev?.bay : undefined;
    let placed: Placed =
      this.d.yard && this.d.config.kind === 'entry' && needsBay(d.outcome) && !held
        ? await reserveBay(this.d.yard, t, d, this.lane, this.d.clock)
        : {
            outcome: d.outcome,
            reasons: d.reasons,
            bay: held,
            ...(d.committed ? { committed: d.committed } : {}),
          };
    if (this.d.config.kind === 'entry') placed = toReceivingBay(this.d.handovers, t, placed);
    let record = decisionRecord(this.lane, t, placed, by, staffId);
    // Committed before the barrier moves or an alarm leaves; a held bay's reservation or a
    // truck's exit shares its commit (both were queued by now) and must have been stored too.
    const input = t.lastInput;
    if (input) input.committingAt = performance.now();
    const deciding = this.d.record('decision', record);
    const stored = (
      await Promise.all([
        deciding,
        placed.committed?.catch((e: unknown) => ({ ok: false as const, message: errorMessage(e) })),
      ])
    )[1];
    if (input) input.committedAt = performance.now();
    if (stored && !stored.ok) {
      t.decision = record; // what is on record, should the corrected decision fail to commit too
      placed = (this.d.config.kind === 'yard-exit' ? exitNotStored : unreserved)(placed, stored.message);
      record = decisionRecord(this.lane, t, placed, by, staffId);
      await this.d.record('decision', record);
      if (input) input.committedAt = performance.now();
    }
    const { outcome, reasons } = placed;
    t.decision = record;
    t.decidedOn = new Set([...reasons, ...facts.reasons].map(reasonKey));
    t.decidedCrew = t.crew.shape;
    const commanded = t.phase === 'leaving' || t.opened;
    t.phase = commanded ? 'leaving' : 'decided';
    const canOpen = by === 'staff' || this.d.mode.mode === 'auto';
    if (OPENS.has(outcome) && canOpen && !late) {
      t.phase = 'leaving';
      this.d.barrier.command(t, 'open', by, staffId);
    } else if (!OPENS.has(outcome) && commanded) {
      this.stopAfterOpening(t, by, staffId);
    }
    if ('alarm' in placed && placed.alarm) await this.d.alarm('yard-full', placed.alarm, t.id);
    if (hasFever(reasons) && !hasFever(prev?.reasons)) await this.d.alarm('fever', 'fever measured', t.id);
    if (outcome === 'ISOLATE' && prev?.outcome !== 'ISOLATE') {
      // Staff's own words stay in the record, out of the alarm (alarms are logged).
      const why = reasons.find((r) => r.code !== 'staff-override')?.detail ?? 'decided by staff';
      const open = commanded ? '; the barrier is already open for it: stop the truck' : '';
      await this.d.alarm('isolate', `isolate: ${why}${open}`, t.id);
    }
    return { outcome, reasons };
  }

  /**
   * A decision that does not open, after one that did. On a lane with a loop and no vehicle on
   * it the barrier closes (the driver's safety rules still apply); with the vehicle on the loop,
   * or without a loop to tell, it is never closed onto the truck: the driver closes it once the
   * vehicle has cleared, and the alarms tell staff.
   */
  private stopAfterOpening(t: Transit, by: 'rules' | 'staff', staffId?: string): void {
    if (this.d.config.hasLoop && !this.d.vehicleOn()) this.d.barrier.command(t, 'close', by, staffId);
  }
}
