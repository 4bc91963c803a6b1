import type { Clock, TimerHandle } from '../../core/clock.ts';
import { recordId } from '../../core/ids.ts';
import type { Logger } from '../../core/logger.ts';
import type { LaneConfig } from '../../site-config/schema.ts';
import type { LaneRecordData } from './lane-records.ts';
import type { RecordTrail } from './record-trail.ts';
import { awaitsReading } from './temperature-rules.ts';
import { Transit } from './transit.ts';
import type { WorkQueue } from './work-queue.ts';

export interface LaneTransitsDeps {
  config: LaneConfig;
  clock: Clock;
  log: Logger;
  queue: WorkQueue;
  trail: RecordTrail;
  /** A vehicle is on the loop now. */
  vehicleOn: () => boolean;
  /** Decides a transit that stalled (the lane's timeout came first); on the lane's queue. */
  decideStalled: (t: Transit) => Promise<void>;
  publish: () => void;
}

/**
 * A lane's transits: which one an input belongs to, opening and ending them (each a record),
 * and the lane's timeout, after which a stalled transit is decided (REVIEW, with the reason) and
 * one whose vehicle never came ends as abandoned.
 */
export class LaneTransits {
  /** The lane's latest transit (ended or not). */
  current: Transit | undefined;
  private timer: TimerHandle | undefined;

  constructor(private readonly d: LaneTransitsDeps) {}

  /** The latest transit while it has not ended. */
  get open(): Transit | undefined {
    return this.current && this.current.phase !== 'ended' ? this.current : undefined;
  }

  /**
   * The transit a scan, a measurement, a plate camera's sighting or a registration belongs to: the one still collecting;
   * on a lane with a loop, the one decided while its vehicle is still on the loop (a late
   * input: `late`); a registration joins a decided transit whose barrier stayed shut, and so
   * does a measurement when the decision waits for a confirming reading; else a new one.
   */
  async for(
    trigger: 'scan' | 'measurement' | 'manual' | 'sighting',
    at: number,
  ): Promise<{ t: Transit; late: boolean }> {
    const cur = this.open;
    if (cur) {
      if (cur.phase === 'collecting' || cur.phase === 'deciding') return { t: cur, late: false };
      if (this.d.config.hasLoop && this.d.vehicleOn()) return { t: cur, late: true };
      if (trigger === 'manual' && cur.phase === 'decided') return { t: cur, late: true };
      if (trigger === 'measurement' && cur.phase === 'decided' && awaitsReading(cur.decision?.reasons))
        return { t: cur, late: true };
    }
    return { t: await this.begin(trigger, at), late: false };
  }

  /** A new transit; one still open is ended first (its vehicle has gone, or never came). */
  async begin(trigger: LaneRecordData<'transit-start'>['trigger'], at: number): Promise<Transit> {
    const prev = this.open;
    // The barrier was opened (or is opening) for it: it has gone through.
    if (prev) await this.end(prev, prev.opened || prev.phase === 'leaving' ? 'cleared' : 'abandoned', at);
    const t = new Transit(recordId(this.d.clock), at, trigger === 'tailgate');
    t.awaitingVehicle =
      this.d.config.hasLoop &&
      (trigger === 'scan' || trigger === 'measurement' || trigger === 'sighting') &&
      !this.d.vehicleOn();
    this.current = t;
    this.d.trail.later('transit-start', {
      lane: this.d.config.id,
      transitId: t.id,
      trigger,
      tailgate: t.tailgate,
    });
    this.arm(t);
    return t;
  }

  async end(t: Transit, end: 'cleared' | 'abandoned' | 'unauthorized', at: number): Promise<void> {
    if (t.phase === 'ended') return;
    if (this.current === t) this.disarm();
    t.phase = 'ended';
    for (const m of t.crew.members) m.unverifiedCode = undefined;
    await this.d.trail.now('transit-end', {
      lane: this.d.config.id,
      transitId: t.id,
      end,
      durationMs: Math.max(0, at - t.startedAt),
      ...(t.decision ? { outcome: t.decision.outcome } : {}),
      ...(t.scans.repeated > 0 ? { scansRepeated: t.scans.repeated } : {}),
      ...(t.scans.refused > 0 ? { scansRefused: t.scans.refused } : {}),
    });
  }

  /** (Re)starts the lane's timeout for `t`: its whole `decisionTimeoutMs` from now. */
  arm(t: Transit): void {
    this.disarm();
    this.timer = this.d.clock.setTimeout(() => {
      void this.d.queue.run(async () => {
        if (this.current !== t || t.phase !== 'collecting') return;
        if (t.awaitingVehicle) {
          this.d.log.info({ transitId: t.id }, 'no vehicle came onto the loop: transit abandoned');
          await this.end(t, 'abandoned', this.d.clock.now());
        } else {
          t.lastInput = { kind: 'timeout', at: performance.now() };
          await this.d.decideStalled(t);
        }
        this.d.publish();
      });
    }, this.d.config.decisionTimeoutMs);
  }

  disarm(): void {
    this.d.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
