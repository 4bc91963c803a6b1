import type { z } from 'zod';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { ErrorCode, errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { BayEventSchema, SensorHealthEventSchema } from '../../devices/events.ts';
import type { YardConfigSchema } from '../../site-config/schema.ts';
import { chooseBay } from './assignment.ts';
import { type Deadline, Deadlines } from './deadlines.ts';
import { handoverOverdue } from './handover/handover-overdue.ts';
import { buildLayout, type YardLayout } from './layout.ts';
import { KeyedLocks } from './locks.ts';
import { type RetainedTarget, YardPublisher } from './publisher.ts';
import { rebuildYard, YARD_STREAM, type YardRecordReader, type YardRecordWriter } from './rebuild.ts';
import { type MismatchKind, SensorBoard } from './reconcile.ts';
import { planRecord } from './record-plans.ts';
import { bayView, yardSummary } from './views.ts';
import {
  type AlertData,
  type BayView,
  type Sample,
  type TruckZoneKind,
  YARD_RECORDS,
  type YardRecordData,
  type YardRecordType,
  type YardSummary,
} from './yard-payloads.ts';
import { YardSnapshots } from './yard-snapshots.ts';
import { type Refusal, refuse, YardState } from './yard-state.ts';

export type YardConfig = z.infer<typeof YardConfigSchema>;

export interface YardOptions {
  config: YardConfig;
  site: string;
  clock: Clock;
  log: Logger;
  writer: YardRecordWriter;
  reader: YardRecordReader;
  /** Retained state goes here (the gateway's MQTT client); none in some unit tests. */
  target?: RetainedTarget;
  /** How long a sensor may disagree with the records before it is an alert (default 5 min). */
  sensorGraceMs?: number;
  /** Write a snapshot after this many changes (default 2,000). */
  snapshotEvery?: number;
  /**
   * Write a snapshot, if anything changed since the last, once the records a restart needs
   * (keepFrom) go back this far: the store keeps every yard record from the last snapshot on, so
   * a yard with fewer than `snapshotEvery` changes in the store's retention would hold them past
   * it (gateway/app.ts: half of storage.maxAgeDays). Checked with the summary, every
   * summaryEveryMs. Default: no such limit.
   */
  snapshotAfterMs?: number;
  /** Republish the summary (dwell times move on) this often (default 60 s). */
  summaryEveryMs?: number;
  /**
   * Told the first seq of the `yard` stream a restart needs (the first part of the last
   * snapshot, or 1): the store must keep it and everything after it (Reclaimer.holdFrom).
   */
  keepFrom?: (seq: number) => void;
  /**
   * Publish every bay's retained view only when told (publishAll), not at start: the gateway
   * tells it once its lanes are ready (gateway/app.ts). Default: at start.
   */
  publishBaysLater?: boolean;
  /** The lane transit of a truck by its plate (the ledger's latest), for a hand-over's receiving truck. */
  findTransit?: (plate: string, colour: string | undefined) => string | undefined;
}

/** A committed change: the bays it touched. */
export type Committed = { ok: true; bays: string[] } | Refusal;
/** The outcome of an action for its caller: the bays it changed, as they are now. */
export type ActionResult = { ok: true; bays: BayView[]; sample?: Sample } | Refusal;

export const bayKey = (bay: string) => `bay:${bay}`;

/**
 * The machinery under the yard: its state (YardState, yard-state.ts), the keyed locks, committing
 * a change (plan, commit, apply), the timers, the sensor board, the retained topics and the
 * snapshots. The Yard (yard.ts) is the public face over it: the three layers of the yard.
 */
export class YardEngine {
  readonly layout: YardLayout;
  readonly state: YardState;
  readonly locks = new KeyedLocks();
  readonly clock: Clock;
  readonly log: Logger;
  private readonly deadlines: Deadlines;
  private readonly sensors: SensorBoard;
  private readonly publisher: YardPublisher | undefined;
  private readonly arriving = new Set<string>();
  private summaryTimer: TimerHandle | undefined;
  private readonly snapshots: YardSnapshots;
  private stopped = false;
  /** Bays whose views wait for publishAll (publishBaysLater): a sensor's change then only refreshes the summary. */
  private baysHeld: boolean;

  constructor(readonly opts: YardOptions) {
    this.clock = opts.clock;
    this.log = opts.log;
    this.layout = buildLayout(opts.config);
    this.state = new YardState(this.layout);
    this.deadlines = new Deadlines(opts.clock, (d) => this.onDeadline(d));
    this.snapshots = new YardSnapshots({
      state: this.state,
      locks: this.locks,
      clock: opts.clock,
      log: opts.log,
      writer: opts.writer,
      keepFrom: opts.keepFrom,
      every: opts.snapshotEvery ?? 2000,
      afterMs: opts.snapshotAfterMs,
    });
    this.sensors = new SensorBoard(opts.clock, opts.sensorGraceMs ?? 5 * 60_000, {
      arrival: (bay) => this.onSensorArrival(bay),
      mismatch: (bay, kind) =>
        void this.alert({ kind: 'sensor-mismatch', bay, message: mismatchText(bay, kind) }),
      resolved: (bay) =>
        void this.alert({
          kind: 'sensor-mismatch-resolved',
          bay,
          message: `Bay ${bay}: sensor and records agree again`,
        }),
      // Before publishAll, which publishes every bay with its latest view anyway, the sensors' first
      // readings (every sensed bay's, at start) would each be published once more ahead of it.
      changed: (bay) => (this.baysHeld ? this.publisher?.summary() : this.publisher?.bays([bay])),
    });
    this.baysHeld = opts.publishBaysLater === true;
    if (opts.target) {
      const render = { bay: (id: string) => this.view(id), summary: () => this.summary() };
      this.publisher = new YardPublisher(opts.site, opts.target, render, opts.log);
    }
  }

  /**
   * Publishes every bay's view and the summary (retained). The gateway calls it once the lanes are
   * ready (gateway/app.ts): 1,200 retained publishes, and the broker's matching of them, otherwise
   * share the start's CPU with the lanes' devices. A bay a record changed before then is published at
   * once; one only its sensor changed waits for this.
   */
  publishAll(): Promise<void> {
    this.baysHeld = false;
    if (this.stopped || !this.publisher) return Promise.resolve();
    this.publisher.bays(this.state.bays.keys());
    return this.publisher.flush();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Rebuilds the yard from the store, re-arms its timers and publishes every bay and the summary. */
  start(): void {
    const report = rebuildYard(this.state, this.opts.reader, this.log);
    this.opts.keepFrom?.(report.keepFrom);
    this.snapshots.started(report.records);
    for (const b of this.state.bays.values()) this.deadlines.sync(b);
    if (this.opts.publishBaysLater) this.publisher?.summary();
    else void this.publishAll();
    this.summaryTimer = this.clock.setInterval(() => {
      this.publisher?.summary();
      if (!this.stopped) this.snapshots.check();
    }, this.opts.summaryEveryMs ?? 60_000);
    this.log.info(
      { bays: this.state.bays.size, trucks: this.state.trucks, ...report, timers: this.deadlines.size },
      'yard rebuilt from the store',
    );
  }

  /**
   * Commits one record of a change decided now, then applies it through the same code a
   * rebuild runs. The caller holds the keys of what the change touches. Nothing changes
   * unless the record is committed. `onQueued` hears the moment the record is in the store's
   * queue (valid, planned, not yet committed): a record appended after that shares its commit.
   */
  async commit<T extends YardRecordType>(
    type: T,
    data: YardRecordData<T>,
    onQueued?: () => void,
  ): Promise<Committed> {
    if (this.stopped) return refuse(ErrorCode.LaneUnavailable, 'stopped', 'The yard is shutting down');
    const valid = YARD_RECORDS[type].safeParse(data);
    if (!valid.success)
      return refuse(ErrorCode.PayloadInvalid, 'invalid', valid.error.issues[0]?.message ?? 'invalid');
    const plan = planRecord(this.state, type, data, this.clock.now());
    if (!plan.ok) return plan;
    let rec: { at: number; seq: number };
    try {
      const writing = this.opts.writer.record(YARD_STREAM, type, data);
      onQueued?.();
      rec = await writing;
    } catch (e) {
      this.log.error({ err: e, type }, 'yard record not stored; nothing changed');
      return refuse(ErrorCode.StoreFailed, 'store-failed', `Not stored, nothing changed: ${errorMessage(e)}`);
    }
    const committed = planRecord(this.state, type, data, rec.at, rec.seq);
    if (!committed.ok) {
      // Cannot happen while the keys are held; if it did, a rebuild would skip it the same way.
      this.log.error({ type, reason: committed.reason }, 'committed yard record does not apply');
      return committed;
    }
    const bays = committed.apply();
    for (const id of bays) {
      const b = this.state.bay(id);
      if (!b) continue;
      this.deadlines.sync(b);
      this.sensors.recheck(id, b.state);
    }
    this.publisher?.bays(bays);
    this.snapshots.changed();
    return { ok: true, bays };
  }

  async withKeys<T>(keys: string[], fn: () => Promise<T>): Promise<T> {
    const release = await this.locks.acquire(keys);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Runs a change of the truck in a bay, holding the bay. */
  onBay(
    bay: string,
    change: (visitId: string) => Promise<Committed>,
    sample?: () => Sample | undefined,
  ): Promise<ActionResult> {
    return this.withKeys([bayKey(bay)], async () => {
      const b = this.state.bay(bay);
      if (!b) return refuse(ErrorCode.NotFound, 'no-such-bay', `No bay ${bay}`);
      if (!b.visit) {
        const reason = b.state === 'blocked' ? 'bay-blocked' : 'bay-free';
        return refuse(ErrorCode.IllegalTransition, reason, `No truck in bay ${bay}`);
      }
      const r = this.asAction(await change(b.visit.id));
      const s = sample?.();
      return r.ok && s ? { ...r, sample: { ...s } } : r;
    });
  }

  asAction(done: Committed): ActionResult {
    if (!done.ok) return done;
    return {
      ok: true,
      bays: done.bays.map((id) => this.view(id)).filter((v): v is BayView => v !== undefined),
    };
  }

  /** The bay the policy gives the next truck of a kind; `skipHeld` leaves out bays being changed. */
  choose(kind: TruckZoneKind, skipHeld: boolean): string | undefined {
    const cursor = this.state.cursors.get(kind);
    return chooseBay(
      this.opts.config.assignmentPolicy,
      this.layout.byKind.get(kind) ?? [],
      (id) => this.state.bay(id)?.state === 'free' && !(skipHeld && this.locks.isHeld(bayKey(id))),
      cursor === undefined ? undefined : this.layout.bays.get(cursor.bay)?.rank,
    );
  }

  /** Records an alert. An alert changes no state, so a failure to store it is logged only. */
  async alert(data: AlertData): Promise<void> {
    try {
      await this.opts.writer.record(YARD_STREAM, 'alert', data);
    } catch (err) {
      this.log.error({ err, kind: data.kind, bay: data.bay }, 'yard alert not stored');
    }
  }

  // ---- bay sensors -----------------------------------------------------------------------------

  sensorReading(e: unknown): void {
    const parsed = BayEventSchema.safeParse(e);
    const b = parsed.success ? this.state.bay(parsed.data.bayId) : undefined;
    if (!parsed.success || !b) {
      this.log.warn({ bay: parsed.data?.bayId }, 'bay event ignored: invalid or unknown bay');
      return;
    }
    this.sensors.reading(parsed.data, b.state);
  }

  sensorHealth(e: unknown): void {
    const parsed = SensorHealthEventSchema.safeParse(e);
    const b = parsed.success ? this.state.bay(parsed.data.bayId) : undefined;
    if (!parsed.success || !b) {
      this.log.warn({ bay: parsed.data?.bayId }, 'sensor health ignored: invalid or unknown bay');
      return;
    }
    this.sensors.health(parsed.data, b.state);
  }

  // ---- views -----------------------------------------------------------------------------------

  view(id: string): BayView | undefined {
    const b = this.state.bay(id);
    return b ? bayView(b, this.sensors.view(id, b.def.sensed)) : undefined;
  }

  summary(): YardSummary {
    return yardSummary({
      state: this.state,
      now: this.clock.now(),
      sensors: this.sensors.counts(),
      next: (kind) => this.choose(kind, false),
    });
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** Resolves when no change is in flight and every retained topic is published. */
  async settle(): Promise<void> {
    (await this.locks.exclusive())();
    await this.snapshots.settled();
    await this.publisher?.flush();
  }

  /** Writes a snapshot of the whole yard now, between changes. */
  snapshot(): Promise<void> {
    return this.snapshots.write();
  }

  /** Stops the timers, lets changes in flight finish, writes a snapshot if anything changed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.clock.clearInterval(this.summaryTimer);
    this.deadlines.clearAll();
    this.sensors.stop();
    if (this.snapshots.pending > 0) await this.snapshot().catch(() => {});
    await this.settle();
  }

  private onDeadline(d: Deadline): void {
    if (this.stopped) return;
    void this.withKeys([bayKey(d.bay)], async () => {
      if (d.kind === 'reservation') {
        await this.commit('reservation-expired', { bay: d.bay, visitId: d.visitId, by: { kind: 'timer' } });
        return;
      }
      if (d.kind === 'handover') return handoverOverdue(this, d);
      const v = this.state.bay(d.bay)?.visit;
      const s = v?.samples.find((x) => x.id === d.sampleId);
      if (!v || v.id !== d.visitId || !s) return;
      const data = { bay: d.bay, visitId: v.id, sampleId: s.id, kind: s.kind, dueAt: s.dueAt };
      if (!(await this.commit('result-overdue', data)).ok) return;
      await this.alert({
        kind: 'result-overdue',
        bay: d.bay,
        visitId: v.id,
        ...(v.plate ? { plate: v.plate } : {}),
        message: `The ${s.kind === 'pcr' ? 'PCR' : 'antigen'} result for bay ${d.bay} is overdue`,
      });
    });
  }

  /** A reserved bay's sensor sees a truck: it has arrived (once, however often the sensor says so). */
  private onSensorArrival(bay: string): void {
    if (this.stopped || this.arriving.has(bay)) return;
    this.arriving.add(bay);
    void this.onBay(bay, async (visitId) =>
      this.state.bay(bay)?.state === 'reserved'
        ? this.commit('truck-arrived', { bay, visitId, by: { kind: 'sensor' } })
        : refuse(ErrorCode.IllegalTransition, 'already-arrived', 'The truck is already in the bay'),
    ).finally(() => this.arriving.delete(bay));
  }
}

function mismatchText(bay: string, kind: MismatchKind): string {
  return kind === 'bay-empty'
    ? `Bay ${bay}: the records say a truck is there, the sensor sees none`
    : `Bay ${bay}: the sensor sees a truck, the records say the bay is empty`;
}
