import type { BarrierFailure, BarrierState } from '../events.ts';

/** The inputs, actions and state of the barrier's safety machine (safety-machine.ts). */
export type Relay = 'open' | 'close';
/** A stuck-input timer is named after its detector: `stuck:<name>`. */
export type TimerName = 'pulse' | 'travel' | 'auto-close' | 'no-vehicle' | 'trailer-gap' | `stuck:${string}`;
export type Action = 'open' | 'close';

/**
 * What a detector tells the barrier:
 * - `presence`: a safety loop or a photo-eye at the arm; while any is high the arm never closes;
 * - `arming`: a loop before the barrier, a truck is at the lane (no safety role);
 * - `reset`: a loop past the arm, high while the truck is over it; when it drops with nothing
 *   else high the truck has left.
 */
export type DetectorRole = 'presence' | 'arming' | 'reset';

/** One detector's level, as read at start-up or on a change. */
export interface DetectorLevel {
  role: DetectorRole;
  name: string;
  high: boolean;
}

export interface BarrierTimings {
  pulseMs: number;
  travelTimeoutMs: number;
  autoCloseAfterClearMs: number;
  closeIfNoVehicleMs: number;
  /**
   * Every detector low for less than this is a gap between a tractor and its trailer: the same
   * vehicle, not cleared (0 or absent: a drop clears at once).
   */
  trailerGapMs?: number;
  /** A detector high for longer than this is reported stuck (0 or absent: never). */
  stuckAfterMs?: number;
}

export type BarrierInput =
  /** `loop` is the presence input named `loop`; `detectors`, when given, are every detector instead. */
  | { type: 'start'; limitOpen: boolean; limitClosed: boolean; loop: boolean; detectors?: DetectorLevel[] }
  | { type: 'command'; id: number; action: Action }
  /** The limit switches now read so (serial: from an ST line, with the direction it reports). */
  | { type: 'limits'; limitOpen: boolean; limitClosed: boolean; moving?: 'opening' | 'closing' }
  /** The presence input named `loop` (a barrier with one safety loop). */
  | { type: 'loop'; high: boolean }
  /** One detector's level (debounced). */
  | ({ type: 'detector' } & DetectorLevel)
  | { type: 'timer'; timer: TimerName }
  /** The barrier itself reports a fault (serial `ST FAULT`). */
  | { type: 'device-fault'; reason: string }
  /** A drive could not be carried out (serial: `ERR`, no reply, port down). */
  | { type: 'actuator-failed'; relay: Relay; failure: BarrierFailure; reason: string }
  /** The link to the barrier is gone: its state is unknown until it reports again. */
  | { type: 'offline'; reason: string }
  | { type: 'stop' };

export type CommandOutcome = { ok: true } | { ok: false; failure: BarrierFailure; reason: string };

export type BarrierAction =
  | { type: 'relay'; relay: Relay; on: boolean }
  | { type: 'start-timer'; timer: TimerName; ms: number }
  | { type: 'cancel-timer'; timer: TimerName }
  | { type: 'state'; state: BarrierState; previous: BarrierState; reason: string }
  | { type: 'vehicle'; kind: 'arrived' | 'cleared' }
  | { type: 'tailgate' }
  /** A detector high for `stuckAfterMs` (stuck), or low again after it was reported stuck. */
  | { type: 'stuck'; role: DetectorRole; name: string; stuck: boolean }
  | { type: 'fault'; reason: string }
  | { type: 'resolve'; id: number; action: Action; outcome: CommandOutcome };

export interface BarrierMachineState {
  started: boolean;
  arm: BarrierState;
  limitOpen: boolean;
  limitClosed: boolean;
  /** Any presence input (safety loop, photo-eye) is high: the arm must not close. */
  loop: boolean;
  /** Every detector seen, by name: its role and level. */
  inputs: Record<string, { role: DetectorRole; high: boolean }>;
  /** Every detector went low less than `trailerGapMs` ago: the vehicle's trailer may follow. */
  gap: boolean;
  /** Detectors reported stuck and not low since. */
  stuck: string[];
  relays: { open: boolean; close: boolean };
  /** Where the gateway is driving the arm, if anywhere. */
  target: 'open' | 'closed' | undefined;
  /** Commands waiting for the arm to reach their state. */
  waiting: { id: number; action: Action }[];
  /** The vehicle of the current opening: none yet, at the barrier, or gone through. */
  vehicle: 'none' | 'present' | 'passed';
}

export function initialBarrierState(): BarrierMachineState {
  return {
    started: false,
    arm: 'unknown',
    limitOpen: false,
    limitClosed: false,
    loop: false,
    inputs: {},
    gap: false,
    stuck: [],
    relays: { open: false, close: false },
    target: undefined,
    waiting: [],
    vehicle: 'none',
  };
}

/** Any presence input high. */
export function presenceHigh(inputs: BarrierMachineState['inputs']): boolean {
  return Object.values(inputs).some((i) => i.role === 'presence' && i.high);
}

/** Any detector high: a vehicle is somewhere in the lane's detection. */
export function anyHigh(inputs: BarrierMachineState['inputs']): boolean {
  return Object.values(inputs).some((i) => i.high);
}
