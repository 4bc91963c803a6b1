import type { PlateColour } from '../../../core/plate-colour.ts';
import type { SiteConfig } from '../../../site-config/schema.ts';
import { type PlatePushKind, SimPushCamera } from './push-camera.ts';

/** A fault a camera keeps showing until cleared: every push malformed or oversized, or none at all. */
export type CameraFault = 'malformed' | 'oversized' | 'offline';

/** Which of a lane's cameras. */
export type CameraDevice = 'plate' | 'thermal';

interface FaultInForce {
  fault: CameraFault;
  /** Pushes left to spoil; until cleared when absent. */
  pushesLeft?: number;
}

/**
 * The simulated plate and thermal cameras of a site config's `cameras` section, by lane. They
 * push to the gateway's camera listener (`baseUrl`, from the config unless set once the
 * listener's port is known). Pushes are fire-and-forget as a camera's are: the status each got
 * is counted, never thrown.
 */
export class SimSiteCameras {
  private readonly plate = new Map<string, SimPushCamera>();
  private readonly thermal = new Map<string, SimPushCamera>();
  /** By `<lane> <device>`. */
  private readonly faults = new Map<string, FaultInForce>();
  readonly statuses: Record<string, number> = {};
  private baseUrl: string;

  constructor(private readonly config: SiteConfig) {
    const host = config.cameras.host === '0.0.0.0' ? '127.0.0.1' : config.cameras.host;
    this.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${config.cameras.port}`;
  }

  /** Points the cameras at the listener (its port is known only once it listens, with port 0). */
  attach(baseUrl: string): void {
    this.baseUrl = baseUrl;
    this.plate.clear();
    this.thermal.clear();
  }

  hasPlateCamera(lane: string): boolean {
    return this.config.cameras.enabled && this.config.cameras.plate.some((c) => c.lane === lane);
  }

  hasThermalCamera(lane: string): boolean {
    return this.config.cameras.enabled && this.config.cameras.thermal.some((c) => c.lane === lane);
  }

  /**
   * From now on the lane's plate or thermal camera shows this fault on every push, or on the next
   * `pushes` only (undefined fault: cleared).
   */
  setFault(lane: string, device: CameraDevice, fault: CameraFault | undefined, pushes?: number): void {
    const key = `${lane} ${device}`;
    if (!fault) this.faults.delete(key);
    else this.faults.set(key, pushes === undefined ? { fault } : { fault, pushesLeft: pushes });
  }

  /** The fault the camera shows now, if any. */
  faultOf(lane: string, device: CameraDevice): CameraFault | undefined {
    return this.faults.get(`${lane} ${device}`)?.fault;
  }

  /** The lane's plate camera reads a plate (`kind`: a clean read or one of a camera's quirks). */
  async plateSeen(lane: string, plate: string, colour: PlateColour, kind: PlatePushKind): Promise<void> {
    const cam = this.camera(this.plate, this.config.cameras.plate, lane);
    if (!cam) return;
    this.count(await cam.pushPlate(plate, colour, this.takeFault(lane, 'plate') ?? kind));
  }

  /** The lane's thermal camera measures a driver. */
  async temperatureSeen(lane: string, objectC: number, unit: 'celsius' | 'fahrenheit'): Promise<void> {
    const cam = this.camera(this.thermal, this.config.cameras.thermal, lane);
    if (!cam) return;
    this.count(
      await cam.pushTemperature(objectC, unit, new Date(), this.takeFault(lane, 'thermal') ?? 'read'),
    );
  }

  /** The fault this push shows, counting it off a fault that lasts `pushes`. */
  private takeFault(lane: string, device: CameraDevice): CameraFault | undefined {
    const key = `${lane} ${device}`;
    const f = this.faults.get(key);
    if (f?.pushesLeft !== undefined && --f.pushesLeft <= 0) this.faults.delete(key);
    return f?.fault;
  }

  private count(status: number): void {
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
  }

  private camera(
    made: Map<string, SimPushCamera>,
    list: SiteConfig['cameras']['plate'],
    lane: string,
  ): SimPushCamera | undefined {
    if (!this.config.cameras.enabled) return undefined;
    let cam = made.get(lane);
    if (cam) return cam;
    const c = list.find((x) => x.lane === lane);
    if (!c) return undefined;
    cam = new SimPushCamera({
      baseUrl: this.baseUrl,
      id: c.id,
      maxBodyBytes: this.config.cameras.maxBodyBytes,
      ...(c.secret ? { secret: c.secret } : {}),
    });
    made.set(lane, cam);
    return cam;
  }
}
