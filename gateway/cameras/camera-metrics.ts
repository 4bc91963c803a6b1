import { Gauge, type Registry } from 'prom-client';
import type { CameraListener } from '../../devices/camera/listener.ts';

const HEALTH_STATES = ['online', 'degraded', 'offline'] as const;

/**
 * The cameras' metrics, read from the listener when scraped: health (1 for the current state,
 * as gatepost_device_state does for the other lane devices) and the push counters.
 */
export function registerCameraMetrics(registry: Registry, listener: CameraListener): void {
  const registers = [registry];
  new Gauge({
    name: 'gatepost_camera_state',
    help: 'Health of each plate and thermal camera (1 for its current state)',
    labelNames: ['camera', 'lane', 'kind', 'state'],
    registers,
    collect() {
      this.reset();
      for (const c of listener.list())
        for (const s of HEALTH_STATES)
          this.set({ camera: c.id, lane: c.lane, kind: c.kind, state: s }, c.health === s ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gatepost_camera_pushes',
    help: 'Pushes of each camera since start, by outcome: sighting (or measurement), repeat, heartbeat, refused, all',
    labelNames: ['camera', 'lane', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const c of listener.list()) {
        const labels = { camera: c.id, lane: c.lane };
        this.set({ ...labels, outcome: 'all' }, c.counts.pushes);
        this.set({ ...labels, outcome: 'sighting' }, c.counts.sightings);
        this.set({ ...labels, outcome: 'repeat' }, c.counts.repeats);
        this.set({ ...labels, outcome: 'heartbeat' }, c.counts.heartbeats);
        this.set({ ...labels, outcome: 'refused' }, c.counts.refused);
      }
    },
  });
}
