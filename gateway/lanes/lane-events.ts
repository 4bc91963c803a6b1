import type { BarrierStateEvent, MeasurementEvent, ScanEvent } from '../../devices/events.ts';
import type { HealthState } from '../../devices/health.ts';
import type { LaneDevices } from './lane-ports.ts';
import type { WorkQueue } from './work-queue.ts';

/** What a lane does with each device event. */
export interface LaneEventHandlers {
  /** `receivedAt`: performance.now() when the driver raised it, before it waited in the queue. */
  code(e: ScanEvent, receivedAt: number): Promise<void>;
  measurement(e: MeasurementEvent, receivedAt: number): Promise<void>;
  arrived(at: number, receivedAt: number): Promise<void>;
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
    <T>(fn: (e: T, receivedAt: number) => Promise<void>) =>
    (e: T) => {
      const receivedAt = performance.now();
      return queue.run(() => fn(e, receivedAt));
    };
  const offs = [
    devices.scanner.on(
      'code',
      q((e, at) => h.code(e, at)),
    ),
    devices.barrier.on(
      'vehicle',
      q((e, receivedAt) => (e.kind === 'arrived' ? h.arrived(e.at, receivedAt) : h.cleared(e.at))),
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
        q((e, at) => h.measurement(e, at)),
      ),
      devices.thermometer.on(
        'health',
        q((e) => h.health('thermometer', e.state, e.reason)),
      ),
    );
  }
  return offs;
}
