import type { BarrierStateEvent, MeasurementEvent, ScanEvent } from '../../devices/events.ts';
import type { HealthState } from '../../devices/health.ts';
import type { LaneDevices } from './lane-ports.ts';
import type { WorkQueue } from './work-queue.ts';

/** What a lane does with each device event. */
export interface LaneEventHandlers {
  code(e: ScanEvent): Promise<void>;
  measurement(e: MeasurementEvent): Promise<void>;
  arrived(at: number): Promise<void>;
  cleared(at: number): Promise<void>;
  tailgate(at: number): Promise<void>;
  barrierState(e: BarrierStateEvent): Promise<void>;
  health(device: 'scanner' | 'thermometer' | 'barrier', state: HealthState, reason: string): Promise<void>;
}

/**
 * Subscribes a lane to its devices' events, each handled on the lane's work queue in the order
 * the devices raised them. Returns the unsubscribers.
 */
export function subscribeLane(devices: LaneDevices, queue: WorkQueue, h: LaneEventHandlers): (() => void)[] {
  const q =
    <T>(fn: (e: T) => Promise<void>) =>
    (e: T) =>
      queue.run(() => fn(e));
  const offs = [
    devices.scanner.on(
      'code',
      q((e) => h.code(e)),
    ),
    devices.barrier.on(
      'vehicle',
      q((e) => (e.kind === 'arrived' ? h.arrived(e.at) : h.cleared(e.at))),
    ),
    devices.barrier.on(
      'tailgate',
      q((e) => h.tailgate(e.at)),
    ),
    devices.barrier.on(
      'state',
      q((e) => h.barrierState(e)),
    ),
    devices.scanner.on(
      'health',
      q((e) => h.health('scanner', e.state, e.reason)),
    ),
    devices.barrier.on(
      'health',
      q((e) => h.health('barrier', e.state, e.reason)),
    ),
  ];
  if (devices.thermometer) {
    offs.push(
      devices.thermometer.on(
        'measurement',
        q((e) => h.measurement(e)),
      ),
      devices.thermometer.on(
        'health',
        q((e) => h.health('thermometer', e.state, e.reason)),
      ),
    );
  }
  return offs;
}
