import type { BarrierCommandResult, BarrierStateEvent } from '../../devices/events.ts';
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
  alarm: (kind: Alarm['kind'], message: string, transitId?: string) => Promise<unknown>;
  publish: () => void;
  /** Hears, for each open the rules command, how long since the input that completed the decision. */
  commandLatency?: (seconds: number) => void;
}

/** The triggers a device's input sets off: what the input-to-command latency is measured from. */
const DEVICE_INPUTS: ReadonlySet<DecisionTrigger> = new Set(['scan', 'measurement', 'vehicle']);

/**
 * A lane's commands to its barrier and what follows from them: every command and its result is
 * a record; a fault, or a barrier that does not open, turns the lane manual with one alarm per
 * episode; the lane returns to automatic once the arm reaches a limit again.
 */
export class LaneBarrierActions {
  constructor(private readonly d: LaneBarrierDeps) {}

  /**
   * Issues a command for a transit now (after its decision was committed); its result is
   * handled on the lane's queue when the arm arrives, or fails.
   */
  command(t: Transit, action: 'open' | 'close', by: 'rules' | 'staff', staffId?: string): void {
    const b = this.d.barrier;
    const input = t.lastInput;
    if (action === 'open' && by === 'rules' && input && DEVICE_INPUTS.has(input.kind))
      this.d.commandLatency?.((performance.now() - input.at) / 1000);
    void (action === 'open' ? b.open() : b.close()).then((result) =>
      this.d.queue.run(async () => {
        if (action === 'open' && result.ok) t.opened = true;
        await this.recordResult(result, by === 'staff' ? 'staff' : 'decision', staffId, t.id);
        const failed = !result.ok && result.failure !== 'superseded' && result.failure !== 'stopped';
        if (action === 'open' && failed) await this.trouble(`barrier did not open: ${result.reason}`, t.id);
        this.d.publish();
      }),
    );
  }

  /** Staff open or close by hand (the driver's safety rules still apply); waits for the arm. */
  async byHand(
    action: 'open' | 'close',
    staffId: string,
    t: Transit | undefined,
  ): Promise<BarrierCommandResult> {
    const b = this.d.barrier;
    const result = await (action === 'open' ? b.open() : b.close());
    if (t && action === 'open' && result.ok) {
      // The truck at the barrier leaves through it: its transit ends as cleared.
      t.opened = true;
      if (t.phase === 'decided') t.phase = 'leaving';
    }
    await this.recordResult(result, 'staff', staffId, t?.id);
    return result;
  }

  /** The arm's state changed: a fault turns the lane manual; a limit reached ends the trouble. */
  async stateChanged(e: BarrierStateEvent, transitId: string | undefined): Promise<void> {
    if (e.state === 'fault') await this.trouble(`barrier fault: ${e.reason}`, transitId);
    if (e.state === 'open' || e.state === 'closed') this.d.mode.barrierRecovered();
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
