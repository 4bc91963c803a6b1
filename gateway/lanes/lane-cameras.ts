import type { CameraTemperatureEvent, PlateSightingEvent } from '../../devices/camera/camera-events.ts';
import type { LaneConfig } from '../../site-config/schema.ts';
import { takeReading } from './hand-reading.ts';
import { handledInput } from './input-stages.ts';
import type { LaneModeKeeper } from './lane-mode.ts';
import type { LaneCameraFeed } from './lane-ports.ts';
import type { LaneTransits } from './lane-transits.ts';
import type { RecordTrail } from './record-trail.ts';
import type { TemperatureReading } from './temperature-reading.ts';
import type { Transit } from './transit.ts';
import type { WorkQueue } from './work-queue.ts';

export interface LaneCamerasDeps {
  lane: string;
  kind: LaneConfig['kind'];
  mode: LaneModeKeeper;
  transits: LaneTransits;
  trail: RecordTrail;
  queue: WorkQueue;
  /** After an input: a late one reconsiders the decided transit; else it may be complete. */
  afterInput: (t: Transit, late: boolean) => Promise<void>;
  publish: () => void;
}

/**
 * What a lane does with its push cameras (devices/camera, gateway/cameras): a plate camera's
 * sighting gives the transit its plate and colour (the transit it joins, or begins, as a scan's
 * would), so the rules compare it with the pass's plate (`plate-mismatch`), look up the truck's
 * pre-registration by it, and a yard exit finds the truck by it without a scan; a thermal
 * camera's temperature is a reading of method `camera`, judged as a screening reading.
 */
export class LaneCameras {
  constructor(private readonly d: LaneCamerasDeps) {}

  /** Hears a lane's camera feed on the lane's queue, in the order the cameras pushed. Returns the unsubscribers. */
  listen(feed: LaneCameraFeed): (() => void)[] {
    return [
      feed.on('sighting', (e) => {
        const receivedAt = performance.now();
        return this.d.queue.run(() => this.onSighting(e, receivedAt));
      }),
      feed.on('temperature', (e) => {
        const receivedAt = performance.now();
        return this.d.queue.run(() => this.onTemperature(e, receivedAt));
      }),
    ];
  }

  async onSighting(e: PlateSightingEvent, receivedAt: number): Promise<void> {
    if (this.d.mode.mode === 'maintenance') return;
    const { t, late } = await this.d.transits.for('sighting', e.at);
    const known = t.sighting;
    t.sighting = { camera: e.camera, plate: e.plate, colour: e.colour, at: e.at };
    // The same plate again (another camera's read, a late push) changes nothing to decide on.
    if (known && known.plate === e.plate && known.colour === e.colour) return this.publishAfter();
    t.lastInput = handledInput('sighting', receivedAt);
    await this.d.afterInput(t, late);
    await this.publishAfter();
  }

  async onTemperature(e: CameraTemperatureEvent, receivedAt: number): Promise<void> {
    if (this.d.mode.mode === 'maintenance') return;
    const { t, late } = await this.d.transits.for('measurement', e.at);
    t.lastInput = handledInput('measurement', receivedAt);
    const r: TemperatureReading = { valueC: e.objectC, method: 'camera', at: e.at };
    const person = takeReading(t, r, late);
    this.d.trail.later('measurement', {
      lane: this.d.lane,
      transitId: t.id,
      objectC: e.objectC,
      method: 'camera',
      camera: e.camera,
      ...(person ? { seat: person.seat } : {}),
    });
    await this.d.afterInput(t, late);
    await this.publishAfter();
  }

  private async publishAfter(): Promise<void> {
    await this.d.trail.settled(); // nothing is published before the records it shows are committed
    this.d.publish();
  }
}

/**
 * A yard exit with a plate camera lets the truck out by its plate alone: a transit with a
 * sighting and no one scanned is complete once its vehicle is there and, where the lane has a
 * thermometer, a reading came (a fever still keeps the truck in).
 */
export function exitByPlate(t: Transit, kind: LaneConfig['kind'], needsTemperature: boolean): boolean {
  if (kind !== 'yard-exit' || !t.sighting || t.crew.size > 0) return false;
  return !needsTemperature || t.crew.readingWaiting;
}
