import type { Clock, TimerHandle } from '../../core/clock.ts';
import { recordId } from '../../core/ids.ts';
import type { Logger } from '../../core/logger.ts';
import type { BarrierCommandResult, MeasurementEvent, ScanEvent } from '../../devices/events.ts';
import type { HealthState } from '../../devices/health.ts';
import type { LaneConfig } from '../config/schema.ts';
import { codeKind } from '../mqtt/payloads.ts';
import type { Decision, DecisionReason, Outcome } from './decision.ts';
import type { DecisionRules } from './decision-rules.ts';
import { decisionRecord, exitDecision, reserveBay, rulesDecision } from './lane-decisions.ts';
import { LaneModeKeeper } from './lane-mode.ts';
import type { BayReservations, LaneDevices, PassCheck, YardExits } from './lane-ports.ts';
import type { Alarm, LaneRecordData, LaneRecordType, LaneState, ManualRegistration } from './lane-records.ts';
import { type IdNumberPolicy, keepRegistration } from './personal-data.ts';
import type { ReplayGuard } from './replay-guard.ts';
import { summarizeVerdict, Transit } from './transit.ts';
import { WorkQueue } from './work-queue.ts';

/** Commits a lane record (then publishes it); resolves once it is committed. */
export type LaneRecorder = <T extends LaneRecordType | 'scan'>(
  type: T,
  data: T extends LaneRecordType ? LaneRecordData<T> : unknown,
) => Promise<unknown>;

export interface LaneControllerOptions {
  config: LaneConfig;
  site: string;
  rules: DecisionRules;
  clock: Clock;
  log: Logger;
  devices: LaneDevices;
  passes: PassCheck;
  yard: BayReservations | undefined;
  /** For a yard exit lane: the yard's exit check instead of the decision rules. */
  exits?: YardExits;
  replay: ReplayGuard;
  record: LaneRecorder;
  publishState: (state: LaneState) => void;
  idNumbers: IdNumberPolicy;
  /** A transit left open by the previous run, to be closed as interrupted. */
  interrupted?: { transitId: string; startedAt: number };
}

const OPENS: ReadonlySet<Outcome> = new Set(['PASS', 'YARD']);

/**
 * One lane's logic: transits from the loop, the scanner and the thermometer, decisions by the
 * site's rules, bay reservations, the barrier through the driver's safety rules, staff actions,
 * and a record of every step, committed before anything leaves the process.
 */
export class LaneController {
  readonly id: string;
  private readonly queue: WorkQueue;
  private current: Transit | undefined;
  private timer: TimerHandle | undefined;
  private readonly mode = new LaneModeKeeper();
  private readonly offs: (() => void)[] = [];
  private lastState = '';
  /** The last code scanned (a yard exit looks an unverified code up as a plate). */
  private lastCode: string | undefined;

  constructor(private readonly o: LaneControllerOptions) {
    this.id = o.config.id;
    this.queue = new WorkQueue(o.log);
  }

  async start(): Promise<void> {
    const { devices } = this.o;
    const q =
      <T>(fn: (e: T) => Promise<void> | void) =>
      (e: T) =>
        this.queue.run(() => fn(e));
    this.offs.push(
      devices.scanner.on(
        'code',
        q((e) => this.onCode(e)),
      ),
      devices.barrier.on(
        'vehicle',
        q((e) => (e.kind === 'arrived' ? this.onArrived(e.at) : this.onCleared(e.at))),
      ),
      devices.barrier.on(
        'tailgate',
        q((e) => this.onTailgate(e.at)),
      ),
      devices.barrier.on(
        'state',
        q((e) => this.onBarrierState(e.state)),
      ),
      devices.scanner.on(
        'health',
        q((e) => this.onHealth('scanner', e.state, e.reason)),
      ),
      devices.barrier.on(
        'health',
        q((e) => this.onHealth('barrier', e.state, e.reason)),
      ),
    );
    if (devices.thermometer) {
      this.offs.push(
        devices.thermometer.on(
          'measurement',
          q((e) => this.onMeasurement(e)),
        ),
        devices.thermometer.on(
          'health',
          q((e) => this.onHealth('thermometer', e.state, e.reason)),
        ),
      );
    }
    if (this.o.interrupted) {
      const { transitId, startedAt } = this.o.interrupted;
      await this.o.record('transit-end', {
        lane: this.id,
        transitId,
        end: 'interrupted',
        durationMs: Math.max(0, this.o.clock.now() - startedAt),
      });
    }
    devices.scanner.start();
    devices.thermometer?.start();
    devices.barrier.start();
    this.publish();
  }

  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    this.o.clock.clearTimeout(this.timer);
    await this.queue.idle();
    await Promise.all([
      this.o.devices.scanner.stop(),
      this.o.devices.thermometer?.stop(),
      this.o.devices.barrier.stop(),
    ]);
  }

  /** Waits for every queued event to be handled (for tests and shutdown). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  state(): LaneState {
    return {
      lane: this.id,
      mode: this.mode.mode,
      ...(this.mode.reason ? { modeReason: this.mode.reason } : {}),
      barrier: this.o.devices.barrier.state,
      devices: this.mode.devices(),
      ...(this.current && this.current.phase !== 'ended' ? { transit: this.current.summary() } : {}),
      at: this.o.clock.now(),
    };
  }

  // ---- staff actions (each queued behind the device events) -------------------------------

  /** A person without a phone: registered by hand; the decision is REVIEW until staff decide. */
  register(reg: ManualRegistration): Promise<Decision | undefined> {
    return this.queue.run(async () => {
      const t = await this.openTransit('manual', this.o.clock.now());
      t.manual = keepRegistration(reg, this.o.idNumbers, this.o.site);
      await this.maybeDecide(t);
      this.publish();
      return t.decision;
    });
  }

  /** Staff decide the current transit; refused without a transit. */
  override(outcome: Outcome, staffId: string, why: string): Promise<Decision> {
    return this.queue.run(async () => {
      const t = this.current;
      if (!t || t.phase === 'ended') throw new Error('there is no truck on this lane to decide');
      this.clearTimer();
      const reasons: DecisionReason[] = [{ code: 'staff-override', outcome, detail: why }];
      const decision = await this.commitDecision(t, { outcome, reasons }, 'staff', staffId);
      this.publish();
      return decision;
    });
  }

  /** Opens or closes the barrier by hand; the driver's safety rules still apply. */
  barrierByHand(action: 'open' | 'close', staffId: string): Promise<BarrierCommandResult> {
    return this.queue.run(async () => {
      const b = this.o.devices.barrier;
      const result = await (action === 'open' ? b.open() : b.close());
      await this.recordBarrier(result, 'staff', staffId);
      this.publish();
      return result;
    });
  }

  setMode(mode: 'auto' | 'maintenance', reason: string): Promise<void> {
    return this.queue.run(() => {
      this.mode.set(mode, reason);
      this.publish();
    });
  }

  // ---- device events ------------------------------------------------------------------------

  private async onArrived(at: number): Promise<void> {
    if (!this.current || this.current.phase === 'ended') await this.openTransit('loop', at);
    this.publish();
  }

  private async onCleared(at: number): Promise<void> {
    const t = this.current;
    if (t && t.phase !== 'ended')
      await this.endTransit(t, t.phase === 'leaving' ? 'cleared' : 'abandoned', at);
    this.publish();
  }

  private async onTailgate(at: number): Promise<void> {
    const prev = this.current;
    if (prev && prev.phase === 'leaving') await this.endTransit(prev, 'cleared', at);
    const t =
      this.current && this.current.phase !== 'ended' ? this.current : await this.openTransit('tailgate', at);
    t.tailgate = true;
    await this.alarm('tailgate', 'a second vehicle followed through the open barrier', t.id);
    this.publish();
  }

  private async onBarrierState(state: string): Promise<void> {
    const t = this.current;
    // Without a loop detector the transit ends when the barrier has closed behind the truck.
    if (!this.o.config.hasLoop && t?.phase === 'leaving' && state === 'closed') {
      await this.endTransit(t, 'cleared', this.o.clock.now());
    }
    if (state === 'fault') this.toManual('barrier fault');
    this.publish();
  }

  private async onCode(e: ScanEvent): Promise<void> {
    if (this.mode.mode === 'maintenance') {
      await this.o.record('scan', { lane: this.id, kind: codeKind(e.code), code: e.code, bytes: e.bytes });
      return;
    }
    const t = await this.openTransit('scan', e.at, true);
    await this.o.record('scan', {
      lane: this.id,
      transitId: t.id,
      kind: codeKind(e.code),
      code: e.code,
      bytes: e.bytes,
    });
    this.lastCode = e.code;
    const verdict = await this.o.passes.verify(e.code, e.at);
    const earlier = this.o.replay.check(e.code, { lane: this.id, transitId: t.id, at: e.at });
    t.verdict = verdict;
    t.pass = summarizeVerdict(verdict);
    t.replayed = earlier !== undefined;
    await this.o.record('verification', {
      lane: this.id,
      transitId: t.id,
      pass: t.pass,
      replayed: t.replayed,
    });
    if (earlier) {
      const where = earlier.lane === this.id ? 'on this lane' : `at lane ${earlier.lane}`;
      await this.alarm('pass-replayed', `this pass was shown ${where} a short while ago`, t.id);
    }
    await this.maybeDecide(t);
    this.publish();
  }

  private async onMeasurement(e: MeasurementEvent): Promise<void> {
    if (this.mode.mode === 'maintenance') return;
    const t = await this.openTransit('measurement', e.at, true);
    // Two measurements in one transit: the higher one counts.
    t.temperatureC = Math.max(t.temperatureC ?? -Infinity, e.objectC);
    await this.o.record('measurement', {
      lane: this.id,
      transitId: t.id,
      objectC: e.objectC,
      ambientC: e.ambientC,
      readings: e.readings,
    });
    await this.maybeDecide(t);
    this.publish();
  }

  private async onHealth(device: string, state: HealthState, reason: string): Promise<void> {
    if (this.mode.deviceHealth(device, state, this.o.devices.barrier.state === 'fault')) {
      await this.alarm('device-offline', `${device} is ${state}: ${reason}`);
    }
    this.publish();
  }

  // ---- transits and decisions ---------------------------------------------------------------

  /**
   * The transit an input belongs to: the one collecting, or a new one. With `joinCollecting`
   * an input joins a transit still gathering; an input after the decision starts the next one.
   */
  private async openTransit(
    trigger: 'loop' | 'scan' | 'measurement' | 'manual' | 'tailgate',
    at: number,
    joinCollecting = true,
  ) {
    const cur = this.current;
    if (cur && cur.phase === 'collecting' && joinCollecting) return cur;
    if (cur && (cur.phase === 'deciding' || cur.phase === 'decided') && trigger === 'manual') return cur;
    const t = new Transit(recordId(this.o.clock), at, trigger === 'tailgate');
    this.current = t;
    await this.o.record('transit-start', { lane: this.id, transitId: t.id, trigger, tailgate: t.tailgate });
    this.clearTimer();
    this.timer = this.o.clock.setTimeout(() => {
      void this.queue.run(async () => {
        if (this.current === t && t.phase === 'collecting') {
          await this.decideTransit(t);
          this.publish();
        }
      });
    }, this.o.config.decisionTimeoutMs);
    return t;
  }

  /** Decides as soon as the transit has a pass and (where there is a thermometer) a temperature. */
  private async maybeDecide(t: Transit): Promise<void> {
    if (t.phase !== 'collecting' || !t.hasPass) return;
    if (this.o.devices.thermometer !== undefined && t.temperatureC === undefined) return;
    await this.decideTransit(t);
  }

  private async decideTransit(t: Transit): Promise<void> {
    this.clearTimer();
    t.phase = 'deciding';
    if (this.o.config.kind === 'yard-exit' && this.o.exits) {
      await this.commitDecision(t, await exitDecision(this.o.exits, t, this.id, this.lastCode), 'rules');
      return;
    }
    const d = rulesDecision(t, this.o.rules, this.o.clock.now(), this.o.devices.thermometer !== undefined);
    await this.commitDecision(t, d, 'rules');
  }

  /** Reserves a bay if the outcome needs one, commits the decision, then acts on it. */
  private async commitDecision(
    t: Transit,
    d: Decision,
    by: 'rules' | 'staff',
    staffId?: string,
  ): Promise<Decision> {
    const placed =
      this.o.yard && this.o.config.kind === 'entry' && !t.decision?.bay
        ? await reserveBay(this.o.yard, t, d, this.id)
        : { ...d, bay: t.decision?.bay };
    const { outcome, reasons, bay } = placed;
    if ('alarm' in placed && placed.alarm) await this.alarm('yard-full', placed.alarm, t.id);
    const record = decisionRecord(this.id, t, { outcome, reasons, bay }, by, staffId);
    await this.o.record('decision', record); // committed before the barrier moves
    t.decision = record;
    t.phase = 'decided';
    const canOpen = by === 'staff' || this.mode.mode === 'auto';
    if (OPENS.has(outcome) && canOpen) this.openFor(t, by, staffId);
    if (reasons.some((r) => r.code === 'fever')) await this.alarm('fever', 'fever measured', t.id);
    if (outcome === 'ISOLATE') await this.alarm('isolate', `isolate: ${reasons[0]?.detail ?? ''}`, t.id);
    return { outcome, reasons };
  }

  /** Issues the open command now; its result is handled when the arm arrives (or fails). */
  private openFor(t: Transit, by: 'decision' | 'rules' | 'staff', staffId?: string): void {
    t.phase = 'leaving';
    void this.o.devices.barrier.open().then((result) =>
      this.queue.run(async () => {
        await this.recordBarrier(result, by === 'staff' ? 'staff' : 'decision', staffId, t.id);
        if (!result.ok && result.failure !== 'superseded')
          this.toManual(`barrier did not open: ${result.reason}`);
        this.publish();
      }),
    );
  }

  private async endTransit(
    t: Transit,
    end: 'cleared' | 'abandoned' | 'interrupted',
    at: number,
  ): Promise<void> {
    if (t.phase === 'ended') return;
    if (this.current === t) this.clearTimer();
    t.phase = 'ended';
    await this.o.record('transit-end', {
      lane: this.id,
      transitId: t.id,
      end,
      durationMs: Math.max(0, at - t.startedAt),
      ...(t.decision ? { outcome: t.decision.outcome } : {}),
    });
  }

  private async recordBarrier(
    r: BarrierCommandResult,
    by: 'decision' | 'staff',
    staffId?: string,
    transitId?: string,
  ) {
    await this.o.record('barrier', {
      lane: this.id,
      action: r.action,
      by,
      ok: r.ok,
      state: r.state,
      ...(transitId ? { transitId } : {}),
      ...(staffId ? { staffId } : {}),
      ...(r.ok ? {} : { failure: r.failure, reason: r.reason }),
    });
    if (!r.ok && r.failure === 'fault') await this.alarm('barrier-fault', r.reason, transitId);
  }

  private toManual(reason: string): void {
    this.mode.toManual(reason);
  }

  private alarm(kind: Alarm['kind'], message: string, transitId?: string): Promise<unknown> {
    this.o.log.warn({ kind, transitId }, `lane alarm: ${message}`);
    return this.o.record('alarm', { lane: this.id, kind, message, ...(transitId ? { transitId } : {}) });
  }

  private clearTimer(): void {
    this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private publish(): void {
    const s = this.state();
    const key = JSON.stringify({ ...s, at: 0 });
    if (key === this.lastState) return;
    this.lastState = key;
    this.o.publishState(s);
  }
}
