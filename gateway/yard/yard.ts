import { ErrorCode, errorMessage } from '../../core/errors.ts';
import { recordId } from '../../core/ids.ts';
import type { BayEvent, SensorHealthEvent } from '../../devices/events.ts';
import { resultDueAt } from './deadlines.ts';
import { checkExit, type ExitCheck } from './exit-check.ts';
import type { HandoverStepRequest } from './handover/handover-machine.ts';
import { runHandoverStep } from './handover/handover-requests.ts';
import { receivingBayOf } from './handover/receiving-bay.ts';
import { place, zoneFull } from './placement.ts';
import { type ActionResult, bayKey, YardEngine, type YardOptions } from './yard-engine.ts';
import type {
  Actor,
  BayView,
  Sample,
  TruckZoneKind,
  YardRecordData,
  YardRequestData,
  YardSummary,
} from './yard-payloads.ts';
import {
  type BaySensorSource,
  type ExitQuery,
  type HeldBay,
  type HeldExit,
  RESERVE_FAILURES,
  type ReserveInput,
  ReserveInputSchema,
  type ReserveResult,
} from './yard-requests.ts';
import { refuse } from './yard-state.ts';

export type { ActionResult, ExitCheck, YardOptions };

/**
 * The yard: its bays, trucks and tests, kept on the `yard` stream of the store. Every decision
 * is made synchronously over the in-memory state while holding the keys of what it touches,
 * committed as a record, and only then applied and acknowledged; `Yard.start` rebuilds the
 * state from the same records. See docs/yard.md.
 */
export class Yard {
  private constructor(private readonly engine: YardEngine) {}

  /** Rebuilds the yard from the store, re-arms its timers and publishes every bay and the summary. */
  static start(opts: YardOptions): Yard {
    const engine = new YardEngine(opts);
    engine.start();
    return new Yard(engine);
  }

  /**
   * Publishes every bay's retained view and the summary (YardEngine.publishAll); resolves when
   * the broker has them all.
   */
  publishAll(): Promise<void> {
    return this.engine.publishAll();
  }

  // ---- the lanes -------------------------------------------------------------------------------

  /**
   * A bay for a truck a lane sends to the yard (parking) or to isolation, by the assignment
   * policy; resolves once the reservation is committed. Two calls never get the same bay; a
   * full zone is `{ok: false, reason: 'zone-full'}` plus an alert; a retry of the same transit
   * gets the same bay.
   */
  reserve(input: ReserveInput): Promise<ReserveResult> {
    return this.reserveWith(input, undefined);
  }

  private async reserveWith(
    input: ReserveInput,
    onQueued: ((bay: string, visitId: string) => void) | undefined,
  ): Promise<ReserveResult> {
    const parsed = ReserveInputSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { ok: false, reason: 'invalid-request', message: `${issue?.path.join('.')}: ${issue?.message}` };
    }
    const { zoneKind, ...seed } = parsed.data;
    const placed = await place(this.engine, {
      zoneKind,
      seed: { ...seed, intent: zoneKind === 'isolation' ? 'isolate' : 'yard' },
      by: { kind: 'lane', id: seed.lane },
      arrived: false,
      ...(onQueued ? { onQueued } : {}),
    });
    if (placed.ok) return placed;
    const reason = RESERVE_FAILURES.find((k) => k === placed.reason) ?? 'invalid-request';
    return { ok: false, reason, message: placed.message };
  }

  /**
   * `reserve` for a lane that commits its decision in the same transaction: resolves as soon as
   * the bay is chosen and its reservation is queued for the store (the bay is held meanwhile,
   * so no other truck can get it), with `committed` resolving once it is durable. A record the
   * lane appends before that (its decision, naming the bay) shares the reservation's fsync,
   * rather than waiting for a commit of its own after it. Refusals come as from `reserve`.
   */
  hold(input: ReserveInput): Promise<HeldBay> {
    return new Promise<HeldBay>((resolve, reject) => {
      const final = this.reserveWith(input, (bay, visitId) =>
        resolve({ ok: true, bay, visitId, committed: final }),
      );
      // Answered already if the bay was held early (a second resolve or reject is ignored).
      final.then((r) => resolve(r.ok ? { ...r, committed: final } : r), reject);
    });
  }

  /**
   * May this truck leave through the yard exit lane? By plate or pass subject (a string is
   * tried as both). Only a cleared truck may; the refusal says why, in words for the kiosk.
   * Changes nothing: `exit` commits.
   */
  checkExit(q: string | { plate?: string; subject?: string }): ExitCheck {
    return checkExit(this.engine.state, q);
  }

  /** The exit lane lets a cleared truck out: checked again under its bay's lock, committed, bay freed. */
  exit(q: ExitQuery): Promise<ExitCheck> {
    return this.exitWith(q, undefined, undefined);
  }

  /**
   * `exit` for a lane that commits its decision in the same transaction: answers as soon as the
   * truck's exit is queued for the store, with `committed` resolving once it is durable (or not:
   * `ok: false`). A record the lane appends before that (its decision) shares the exit's fsync.
   * Refusals come as from `exit`.
   */
  holdExit(q: ExitQuery, gaveUp?: AbortSignal): Promise<HeldExit> {
    return new Promise<HeldExit>((resolve, reject) => {
      // Never rejects: a failure after the exit was queued is an exit not stored.
      const committed = (final: Promise<ExitCheck>) =>
        final.then(
          (r) => (r.allowed ? { ok: true as const } : { ok: false as const, message: r.message }),
          (e: unknown) => ({ ok: false as const, message: errorMessage(e) }),
        );
      const final = this.exitWith(q, (check) => resolve({ ...check, committed: committed(final) }), gaveUp);
      // Answered already if the exit was queued (a second resolve or reject is ignored).
      final.then((r) => resolve(r.allowed ? { ...r, committed: committed(final) } : r), reject);
    });
  }

  private async exitWith(
    q: ExitQuery,
    onQueued: ((check: Extract<ExitCheck, { allowed: true }>) => void) | undefined,
    gaveUp: AbortSignal | undefined,
  ): Promise<ExitCheck> {
    const first = this.checkExit(q);
    if (!first.allowed) return first;
    const { bay, visitId } = first;
    return this.engine.withKeys([bayKey(bay)], async (): Promise<ExitCheck> => {
      const check = this.checkExit(q);
      if (!check.allowed) return check;
      if (gaveUp?.aborted) {
        // The lane decided without us (the bay's lock came too late): the truck is still here.
        return {
          allowed: false,
          reason: 'abandoned',
          message: 'The lane stopped waiting: scan again',
          bay,
          visitId,
        };
      }
      if (check.visitId !== visitId) {
        // The truck's visit changed before the bay's lock was had: nothing recorded, ask again.
        return {
          allowed: false,
          reason: 'changed',
          message: 'The yard changed meanwhile: scan again',
          bay,
          visitId,
        };
      }
      const done = await this.engine.commit(
        'truck-exited',
        {
          bay,
          visitId,
          lane: q.lane,
          ...(q.transitId === undefined ? {} : { transitId: q.transitId }),
          ...(check.escort ? { escort: check.escort, handoverId: check.handoverId } : {}),
          by: { kind: 'lane', id: q.lane },
        },
        onQueued && (() => onQueued(check)),
      );
      return done.ok ? check : { allowed: false, reason: done.reason, message: done.message, bay, visitId };
    });
  }

  // ---- coordinator actions (validated by coordinator.ts) ---------------------------------------

  async assign(d: YardRequestData<'assign'>, by: Actor): Promise<ActionResult> {
    const { zoneKind, bay, arrived, ...seed } = d;
    const placed = await place(this.engine, {
      zoneKind,
      bay,
      seed: { ...seed, intent: 'coordinator' },
      by,
      arrived,
    });
    return placed.ok ? this.engine.asAction({ ok: true, bays: [placed.bay] }) : placed;
  }

  /** The truck reached its reserved bay (when no sensor saw it). */
  arrive(bay: string, by: Actor): Promise<ActionResult> {
    return this.engine.onBay(bay, (visitId) => this.engine.commit('truck-arrived', { bay, visitId, by }));
  }

  /** A swab was taken; its result is due after `antigenResultMin` or `pcrResultMin`. */
  sample(bay: string, kind: Sample['kind'], by: Actor): Promise<ActionResult> {
    const sampleId = recordId(this.engine.clock);
    return this.engine.onBay(
      bay,
      (visitId) => {
        const dueAt = resultDueAt(kind, this.engine.clock.now(), this.engine.opts.config);
        return this.engine.commit('sample-recorded', { bay, visitId, sampleId, kind, dueAt, by });
      },
      () => this.engine.state.bay(bay)?.visit?.samples.find((s) => s.id === sampleId),
    );
  }

  /** A result: negative clears the truck, positive isolates it and alerts (with an isolation bay to move it to). */
  result(bay: string, d: Omit<YardRequestData<'result'>, 'bay'>, by: Actor): Promise<ActionResult> {
    return this.engine.onBay(bay, async (visitId) => {
      const samples = this.engine.state.bay(bay)?.visit?.samples ?? [];
      const sample =
        d.sampleId === undefined
          ? samples.find((s) => !s.result && (d.kind === undefined || s.kind === d.kind))
          : samples.find((s) => s.id === d.sampleId);
      if (!sample)
        return refuse(ErrorCode.NotFound, 'no-such-sample', 'No sample of this truck waits for that result');
      const { id: sampleId, kind } = sample;
      const done = await this.engine.commit('result-recorded', {
        bay,
        visitId,
        sampleId,
        kind,
        result: d.result,
        by,
      });
      if (done.ok && d.result === 'positive') await this.positiveAlert(bay);
      return done;
    });
  }

  /** Releases a truck from its bay; a bay that held an isolated truck becomes blocked for disinfection. */
  release(bay: string, reason: string, by: Actor): Promise<ActionResult> {
    return this.engine.onBay(bay, (visitId) =>
      this.engine.commit('bay-released', { bay, visitId, reason, by }),
    );
  }

  block(bay: string, reason: YardRecordData<'bay-blocked'>['reason'], note: string | undefined, by: Actor) {
    const data = { bay, reason, ...(note === undefined ? {} : { note }), by };
    return this.engine.withKeys([bayKey(bay)], async () =>
      this.engine.asAction(await this.engine.commit('bay-blocked', data)),
    );
  }

  unblock(bay: string, by: Actor): Promise<ActionResult> {
    return this.engine.withKeys([bayKey(bay)], async () =>
      this.engine.asAction(await this.engine.commit('bay-unblocked', { bay, by })),
    );
  }

  /** Moves a truck to a given free bay, or to the one the policy picks (isolation for an isolated truck). */
  move(d: { from: string; to?: string; toZoneKind?: TruckZoneKind; reason?: string }, by: Actor) {
    const engine = this.engine;
    const keys = [bayKey(d.from), ...(d.to === undefined ? [] : [bayKey(d.to)])];
    return engine.withKeys(keys, async (): Promise<ActionResult> => {
      const from = engine.state.bay(d.from);
      const v = from?.visit;
      if (!from || !v) return refuse(ErrorCode.NotFound, 'no-such-truck', `No truck in bay ${d.from}`);
      let to = d.to;
      let extra: (() => void) | undefined;
      if (to === undefined) {
        const kind = d.toZoneKind ?? (v.isolated ? 'isolation' : from.def.zoneKind);
        to = engine.choose(kind, true);
        if (to === undefined) return zoneFull(engine, kind, { plate: v.plate, visitId: v.id });
        extra = engine.locks.tryAcquire([bayKey(to)]);
        if (!extra)
          return refuse(ErrorCode.IllegalTransition, 'bay-busy', `${to} is being changed: try again`);
      }
      try {
        const reason = d.reason === undefined ? {} : { reason: d.reason };
        return engine.asAction(
          await engine.commit('truck-moved', { from: d.from, to, visitId: v.id, ...reason, by }),
        );
      } finally {
        extra?.();
      }
    });
  }

  /** A point-to-point hand-over step (handover/handover-requests.ts). */
  handover(req: HandoverStepRequest, by: Actor): Promise<ActionResult> {
    return runHandoverStep(this.engine, req, by);
  }

  // ---- bay sensors (events of the bay sensor driver, validated here) -----------------------------

  handleBayEvent(e: BayEvent): void {
    this.engine.sensorReading(e);
  }

  handleSensorHealth(e: SensorHealthEvent): void {
    this.engine.sensorHealth(e);
  }

  /** Listens to a bay sensor driver; returns the way to stop listening. */
  listenTo(sensors: BaySensorSource): () => void {
    const offs = [
      sensors.on('bay', (e) => this.handleBayEvent(e)),
      sensors.on('sensor-health', (e) => this.handleSensorHealth(e)),
    ];
    return () => {
      for (const off of offs) off();
    };
  }

  // ---- views and lifecycle ---------------------------------------------------------------------

  view(bay: string): BayView | undefined {
    return this.engine.view(bay);
  }

  /** The bay whose open hand-over waits for this plate as its receiving truck (entry lanes). */
  receivingBay(plate: string): { bay: string; handoverId: string } | undefined {
    return receivingBayOf(this.engine.state, plate);
  }

  /** Every bay's view, in layout order. */
  views(): BayView[] {
    return [...this.engine.state.bays.keys()]
      .map((id) => this.engine.view(id))
      .filter((v) => v !== undefined);
  }

  summary(): YardSummary {
    return this.engine.summary();
  }

  /** The bay the policy would give the next truck of a zone kind now. */
  nextBay(kind: TruckZoneKind): string | undefined {
    return this.engine.choose(kind, false);
  }

  /** Resolves when no change is in flight and every retained topic is published. */
  settle(): Promise<void> {
    return this.engine.settle();
  }

  snapshot(): Promise<void> {
    return this.engine.snapshot();
  }

  stop(): Promise<void> {
    return this.engine.stop();
  }

  private async positiveAlert(bay: string): Promise<void> {
    const b = this.engine.state.bay(bay);
    const v = b?.visit;
    if (!b || !v) return;
    const suggested = b.def.zoneKind === 'isolation' ? undefined : this.engine.choose('isolation', false);
    await this.engine.alert({
      kind: 'positive-result',
      bay,
      visitId: v.id,
      ...(v.plate ? { plate: v.plate } : {}),
      ...(suggested ? { suggestedBay: suggested } : {}),
      message: `Positive result in bay ${bay}${suggested ? `: move the truck to ${suggested}` : ''}`,
    });
  }
}
