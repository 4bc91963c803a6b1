import type { BarrierCommandResult, BarrierState, BarrierStateEvent } from '../../devices/events.ts';
import { type InputStageTimes, inputStageTimes } from './input-stages.ts';
import type { LaneModeKeeper } from './lane-mode.ts';
import type { LaneBarrier } from './lane-ports.ts';
import type { Alarm, DecisionTrigger, LaneRecordData } from './lane-records.ts';
import type { Transit } from './transit.ts';
import type { WorkQueue } from './work-queue.ts';

export interface LaneBarrierDeps {
  lane: string;
  barrier: LaneBarrier;
  queue: WorkQueue;
  mode: LaneModeKeeper;
  record: (type: 'barrier', data: LaneRecordData<'barrier'>) => Promise<unknown>;
  alarm: (kind: Alarm['kind'], message: string, transitId?: string, active?: boolean) => Promise<unknown>;
  publish: () => void;
  /**
   * Hears, for each open the rules command, how long since the input that completed the decision
   * (seconds), and where that time went (each stage's ms, input-stages.ts).
   */
  commandLatency?: (seconds: number, stages: InputStageTimes) => void;
}

/** The triggers a device's input sets off: what the input-to-command latency is measured from. */
const DEVICE_INPUTS: ReadonlySet<DecisionTrigger> = new Set(['scan', 'measurement', 'vehicle']);

const OPENISH: ReadonlySet<BarrierState> = new Set(['opening', 'open']);
const CLOSISH: ReadonlySet<BarrierState> = new Set(['closing', 'closed']);

/**
 * The direction an arm's state change starts a movement in, if it does: from a limit, from the
 * other direction or from a fault (a start-up reading, from `unknown`, is no movement).
 */
function movementToward(e: BarrierStateEvent): 'open' | 'close' | undefined {
  if (e.previous === 'unknown') return undefined;
  if (OPENISH.has(e.state) && !OPENISH.has(e.previous)) return 'open';
  if (CLOSISH.has(e.state) && !CLOSISH.has(e.previous)) return 'close';
  return undefined;
}

/**
 * A lane's commands to its barrier and what follows from them: every command and its result is
 * a record; a fault, or a barrier that does not open, turns the lane manual with one alarm per
 * episode; the lane returns to automatic once the arm reaches a limit again.
 */
export class LaneBarrierActions {
  /** The lane's commands still waiting for their result, by direction. */
  private readonly inFlight = { open: 0, close: 0 };
  /** The arm was opened by a command of the lane's (a decision or staff) and has not closed since. */
  private commandedOpen = false;
  /** The arm moved toward open without a command of the lane's and has not closed since. */
  private unexpectedOpen = false;

  constructor(private readonly d: LaneBarrierDeps) {}

  /**
   * Issues a command for a transit now (after its decision was committed); its result is
   * handled on the lane's queue when the arm arrives, or fails.
   */
  command(t: Transit, action: 'open' | 'close', by: 'rules' | 'staff', staffId?: string): void {
    const input = t.lastInput;
    const issuedAt = performance.now();
    void this.send(action).then((result) =>
      this.d.queue.run(async () => {
        if (action === 'open' && result.ok) t.opened = true;
        await this.recordResult(result, by === 'staff' ? 'staff' : 'decision', staffId, t.id);
        const failed = !result.ok && result.failure !== 'superseded' && result.failure !== 'stopped';
        if (action === 'open' && failed) await this.trouble(`barrier did not open: ${result.reason}`, t.id);
        this.d.publish();
      }),
    );
    // Reported once the command is on its way (the send above began it synchronously).
    if (action === 'open' && by === 'rules' && input && DEVICE_INPUTS.has(input.kind))
      this.d.commandLatency?.((issuedAt - input.at) / 1000, inputStageTimes(input, issuedAt));
  }

  /** Staff open or close by hand (the driver's safety rules still apply); waits for the arm. */
  async byHand(
    action: 'open' | 'close',
    staffId: string,
    t: Transit | undefined,
  ): Promise<BarrierCommandResult> {
    const result = await this.send(action);
    if (t && action === 'open' && result.ok) {
      // The truck at the barrier leaves through it: its transit ends as cleared.
      t.opened = true;
      if (t.phase === 'decided') t.phase = 'leaving';
    }
    await this.recordResult(result, 'staff', staffId, t?.id);
    return result;
  }

  /**
   * The arm is open (or on its way) and nothing the lane commanded opened it: a vehicle that
   * crosses now crosses without a decision.
   */
  get openWithoutDecision(): boolean {
    return this.unexpectedOpen && !this.commandedOpen && this.inFlight.open === 0;
  }

  /**
   * Sends a command, counted in flight until its result is in and the state events the driver
   * emitted before it have been handled (the count drops in a job queued behind them).
   */
  private async send(action: 'open' | 'close'): Promise<BarrierCommandResult> {
    const b = this.d.barrier;
    this.inFlight[action]++;
    const done = (ok: boolean) => {
      if (action === 'open' && ok) this.commandedOpen = true;
      void this.d.queue.run(() => {
        this.inFlight[action]--;
      });
    };
    try {
      const result = await (action === 'open' ? b.open() : b.close());
      done(result.ok);
      return result;
    } catch (err) {
      done(false);
      throw err;
    }
  }

  /**
   * The arm's state changed: a fault turns the lane manual; a limit reached ends the trouble.
   * A movement the lane did not command (the driver's auto-close, a button or crank at the post)
   * is recorded as the barrier's own; one toward open raises `barrier-unexpected-open` until
   * the arm is closed again.
   */
  async stateChanged(e: BarrierStateEvent, transitId: string | undefined): Promise<void> {
    if (e.state === 'fault') await this.trouble(`barrier fault: ${e.reason}`, transitId);
    if (e.state === 'open' || e.state === 'closed') this.d.mode.barrierRecovered();
    const toward = movementToward(e);
    if (toward === 'open' && this.inFlight.open === 0 && !this.commandedOpen && !this.unexpectedOpen) {
      this.unexpectedOpen = true;
      await this.recordOwnMove('open', e, transitId);
      await this.d.alarm(
        'barrier-unexpected-open',
        `the barrier opened without a command (${e.reason}): check the lane`,
        transitId,
        true,
      );
    } else if (toward === 'close' && this.inFlight.close === 0) {
      await this.recordOwnMove('close', e, transitId);
    }
    if (e.state === 'closed') {
      this.commandedOpen = false;
      if (this.unexpectedOpen) {
        this.unexpectedOpen = false;
        await this.d.alarm('barrier-unexpected-open', 'the barrier is closed again', transitId, false);
      }
    }
  }

  private recordOwnMove(
    action: 'open' | 'close',
    e: BarrierStateEvent,
    transitId: string | undefined,
  ): Promise<unknown> {
    return this.d.record('barrier', {
      lane: this.d.lane,
      action,
      by: 'barrier',
      ok: true,
      state: e.state,
      reason: e.reason,
      ...(transitId ? { transitId } : {}),
    });
  }

  private async recordResult(
    r: BarrierCommandResult,
    by: 'decision' | 'staff',
    staffId: string | undefined,
    transitId: string | undefined,
  ): Promise<void> {
    await this.d.record('barrier', {
      lane: this.d.lane,
      action: r.action,
      by,
      ok: r.ok,
      state: r.state,
      ...(transitId ? { transitId } : {}),
      ...(staffId ? { staffId } : {}),
      ...(r.ok ? {} : { failure: r.failure, reason: r.reason }),
    });
    if (!r.ok && r.failure === 'fault') await this.trouble(`barrier fault: ${r.reason}`, transitId);
  }

  private async trouble(reason: string, transitId: string | undefined): Promise<void> {
    if (this.d.mode.toManual(reason)) await this.d.alarm('barrier-fault', reason, transitId);
  }
}
