/**
 * Every fault the simulator can inject: what it targets, its default duration, and what it
 * does to the devices. The scenario schema validates timeline entries against this table, the
 * injector dispatches on it, and docs/simulator.md lists it (a test keeps them in step).
 */
export type FaultTarget = 'serial-device' | 'lane' | 'camera' | 'bus' | 'bay';

export interface FaultKindInfo {
  target: FaultTarget;
  /** How long it lasts when the entry gives no `for` (ms); absent for one-off faults. */
  defaultForMs?: number;
  about: string;
}

export const FAULT_KINDS = {
  unplug: {
    target: 'serial-device',
    defaultForMs: 30_000,
    about:
      'The cable is pulled: the device vanishes from its path (the PTY goes away) and comes back after `for`.',
  },
  noise: {
    target: 'serial-device',
    about: 'Line noise: `bytes` (default 24) random bytes sent from the device end of its line.',
  },
  garbage: {
    target: 'lane',
    about: 'The scanner sends a line of junk (NUL, invalid UTF-8, control bytes) ended by its terminator.',
  },
  'truncated-code': {
    target: 'lane',
    about: 'The scanner sends the first part of a pass and goes quiet for longer than the inter-byte gap.',
  },
  'overlong-code': {
    target: 'lane',
    about:
      'The scanner sends a code of `bytes` (default 5,000) bytes, over the 4,096-byte cap, then its terminator.',
  },
  'thermometer-timeout': {
    target: 'lane',
    defaultForMs: 20_000,
    about: 'The thermometer hears every poll and answers none.',
  },
  'modbus-exception': {
    target: 'lane',
    defaultForMs: 20_000,
    about:
      'The thermometer answers every poll with Modbus exception `code` (default 4, server device failure).',
  },
  'bad-crc': {
    target: 'lane',
    defaultForMs: 20_000,
    about:
      'The thermometer answers with a corrupted CRC: the next `count` replies, or every reply during `for`.',
  },
  'sensor-fault': {
    target: 'lane',
    defaultForMs: 30_000,
    about: 'The thermometer sets status bit 2 (sensor fault); IR0 and IR1 read -3276.8 °C.',
  },
  'implausible-reading': {
    target: 'lane',
    defaultForMs: 30_000,
    about: 'The thermometer reads `tempC` (default 52.0 °C) whatever is in front of it.',
  },
  'arm-stuck': {
    target: 'lane',
    defaultForMs: 60_000,
    about:
      "The barrier's arm stops half-way on its next travel and never reaches its limit; freed after `for`.",
  },
  'stop-on-loop': {
    target: 'lane',
    defaultForMs: 8_000,
    about: 'The next time the arm starts closing, a vehicle rolls onto the loop and stops there for `for`.',
  },
  tailgate: {
    target: 'lane',
    about:
      'The next time the barrier opens, a second truck follows the first onto the loop before it closes.',
  },
  'camera-offline': {
    target: 'camera',
    defaultForMs: 60_000,
    about:
      "The lane's `device` camera (plate or thermal) is offline: it pushes nothing, the next `count` times it would, or during `for`.",
  },
  'camera-malformed': {
    target: 'camera',
    defaultForMs: 30_000,
    about:
      "The lane's `device` camera pushes bodies cut off after 200 bytes: the next `count` pushes, or every push during `for`.",
  },
  'camera-oversized': {
    target: 'camera',
    defaultForMs: 30_000,
    about:
      "The lane's `device` camera pushes bodies with a picture over the listener's `cameras.maxBodyBytes`: the next `count` pushes, or every push during `for`.",
  },
  'bus-silent': {
    target: 'bus',
    defaultForMs: 60_000,
    about:
      'A bay sensor bus goes silent: no sensor on it hears or answers anything; its port stays plugged in.',
  },
  'sensor-offline': {
    target: 'bay',
    defaultForMs: 300_000,
    about: "One bay's sensor stops answering.",
  },
} as const satisfies Record<string, FaultKindInfo>;

export type FaultKind = keyof typeof FAULT_KINDS;
export const FAULT_KIND_NAMES = Object.keys(FAULT_KINDS) as [FaultKind, ...FaultKind[]];

/** The serial devices of a lane or the yard a fault may name with `device`. */
export const SERIAL_DEVICES = ['scanner', 'thermometer', 'barrier', 'bus'] as const;

/** The cameras of a lane a camera fault names with `device`. */
export const CAMERA_DEVICES = ['plate', 'thermal'] as const;

export function faultInfo(kind: FaultKind): FaultKindInfo {
  return FAULT_KINDS[kind];
}
