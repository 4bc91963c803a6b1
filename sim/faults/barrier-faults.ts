import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { ArmState } from '../devices/barrier/arm.ts';
import type { DeviceActions } from '../traffic/device-actions.ts';

/**
 * Barrier faults built from the barrier's control API (jam, the loop) and its state events.
 * Each returns a function that ends the fault.
 */

/** Where the arm stalls on its way, as a fraction of its travel time. */
const STALL_AT = 0.5;

/**
 * The arm stalls half-way on its next travel (now, if it is moving) and never reaches its
 * limit: the motor is jammed there until the fault ends. A GPIO barrier then shows neither
 * limit switch; a serial one reports `ST FAULT`.
 */
export function armStuck(actions: DeviceActions, lane: string, clock: Clock): () => void {
  const barrier = actions.barrier(lane);
  const core = barrier.core;
  let stall: TimerHandle | undefined;
  let stalled = false;
  const onState = (state: ArmState) => {
    if (stalled || stall || (state !== 'opening' && state !== 'closing')) return;
    stall = clock.setTimeout(() => {
      stall = undefined;
      stalled = true;
      actions.jam(lane, true);
    }, core.arm.travelMs * STALL_AT);
  };
  core.on('state', onState);
  onState(core.state);
  return () => {
    core.off('state', onState);
    clock.clearTimeout(stall);
    if (stalled) actions.jam(lane, false);
  };
}

/**
 * The next time the arm starts closing, a vehicle rolls onto the loop and stops there for
 * `stayMs`, then leaves it. Until the arm closes, the fault waits; ending it early takes an
 * unplaced vehicle away, a placed one still leaves on time.
 */
export function stopOnLoop(
  actions: DeviceActions,
  lane: string,
  clock: Clock,
  stayMs: number,
  vehicle: string,
  onDone: () => void,
): () => void {
  const core = actions.barrier(lane).core;
  let placed = false;
  let leave: TimerHandle | undefined;
  const onState = (state: ArmState) => {
    if (placed || state !== 'closing') return;
    placed = true;
    core.off('state', onState);
    actions.vehicleOn(lane, vehicle);
    leave = clock.setTimeout(() => {
      leave = undefined;
      actions.vehicleOff(lane, vehicle);
      onDone();
    }, stayMs);
  };
  core.on('state', onState);
  onState(core.state);
  return () => {
    core.off('state', onState);
    if (leave) {
      clock.clearTimeout(leave);
      leave = undefined;
      actions.vehicleOff(lane, vehicle);
    }
  };
}
