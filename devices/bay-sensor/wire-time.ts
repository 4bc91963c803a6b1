import { pollWireTimeMs } from '../modbus/timing.ts';
import type { BaySensorBusConfig } from './config.ts';

/** Registers read from each bay sensor: IR0 occupied, IR1 distance (datasheet section 5). */
export const BAY_SENSOR_QUANTITY = 2;

function sensorCount(bus: Pick<BaySensorBusConfig, 'sensors'>): number {
  return bus.sensors.reduce((n, r) => n + (r.toBay - r.fromBay + 1), 0);
}

/**
 * The least time one sweep of a bus can take: per sensor, the 8-byte request, the 9-byte
 * answer and two t3.5 silences at the bus's line settings (24 character times, 12.5 ms at
 * 19200 8N1). Sensors' own turnaround and any timeouts come on top.
 */
export function busSweepWireTimeMs(bus: Pick<BaySensorBusConfig, 'sensors' | 'port'>): number {
  return sensorCount(bus) * pollWireTimeMs(BAY_SENSOR_QUANTITY, bus.port);
}

/**
 * The wire-time limit of a full sweep over every bus: the buses run in parallel, so it is the
 * slowest bus's sweep (1,200 bays on 6 buses of 200 at 19200 baud: 2.5 s).
 */
export function baySweepWireTimeMs(buses: readonly Pick<BaySensorBusConfig, 'sensors' | 'port'>[]): number {
  return buses.reduce((max, bus) => Math.max(max, busSweepWireTimeMs(bus)), 0);
}
