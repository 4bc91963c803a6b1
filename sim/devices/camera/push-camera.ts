import type { PlateColour } from '../../../core/plate-colour.ts';
import { anprMultipart, anprXml, faceCaptureJson, faceCaptureMultipart } from './camera-bodies.ts';

/** What a simulated camera does on one push: a good read, or one of the faults real cameras show. */
export type PlatePushKind =
  | 'read'
  | 'duplicate'
  | 'misread'
  | 'late'
  | 'gbk'
  | 'malformed'
  | 'oversized'
  | 'offline';

/** What a simulated thermal camera does on one push: a measurement, or a fault. */
export type TemperaturePushKind = 'read' | 'malformed' | 'oversized' | 'offline';

const HIKVISION_COLOUR: Record<PlateColour, string> = {
  blue: 'blue',
  yellow: 'yellow',
  black: 'black',
  white: 'white',
  'gradient-green': 'newEnergyGreen',
  'yellow-green': 'newEnergyYellowGreen',
  'blue-white': 'other',
  temporary: 'other',
  undetermined: 'unknown',
  green: 'green',
  red: 'red',
};

export interface SimPushCameraOptions {
  /** The listener, e.g. http://127.0.0.1:8098 */
  baseUrl: string;
  id: string;
  secret?: string;
  /** The listener's cap (cameras.maxBodyBytes): an oversized push goes past it. */
  maxBodyBytes?: number;
}

/**
 * A simulated plate or thermal camera that POSTs to the gateway's camera listener as a Hikvision
 * camera does (multipart ANPR with pictures, bare XML in GBK, JSON face captures), with the
 * faults of real ones: duplicates (the same read pushed again), misreads (a character wrong),
 * late pushes (read a minute before), malformed and oversized bodies, and being offline (no push
 * at all); a thermal camera's pushes show the last three too. Returns the HTTP status the camera
 * got (0 when it did not push or the connection failed).
 */
export class SimPushCamera {
  private last: { plate: string; colour: PlateColour } | undefined;
  readonly sent: Record<string, number> = {};

  constructor(private readonly o: SimPushCameraOptions) {}

  async pushPlate(
    plate: string,
    colour: PlateColour,
    kind: PlatePushKind = 'read',
    now = new Date(),
  ): Promise<number> {
    this.sent[kind] = (this.sent[kind] ?? 0) + 1;
    if (kind === 'offline') return 0;
    const read = kind === 'duplicate' && this.last ? this.last : { plate, colour };
    this.last = read;
    const shown = kind === 'misread' ? misread(read.plate) : read.plate;
    const at = kind === 'late' ? new Date(now.getTime() - 60_000) : now;
    const alert = {
      plate: shown,
      colour: HIKVISION_COLOUR[read.colour],
      confidence: kind === 'misread' ? 62 : 95,
      at,
    };
    if (kind === 'gbk') return this.post(anprXml({ ...alert, encoding: 'gbk' }), 'text/xml');
    if (kind === 'malformed') return this.post(anprXml(alert).subarray(0, 200), 'text/xml');
    if (kind === 'oversized') {
      const { body, contentType } = anprMultipart(anprXml(alert), this.overCap());
      return this.post(body, contentType);
    }
    const { body, contentType } = anprMultipart(anprXml(alert));
    return this.post(body, contentType);
  }

  async pushTemperature(
    objectC: number,
    unit: 'celsius' | 'fahrenheit',
    now = new Date(),
    kind: TemperaturePushKind = 'read',
  ): Promise<number> {
    const counted = kind === 'read' ? 'temperature' : `temperature ${kind}`;
    this.sent[counted] = (this.sent[counted] ?? 0) + 1;
    if (kind === 'offline') return 0;
    const json = faceCaptureJson(objectC, unit, now);
    if (kind === 'malformed') return this.post(json.subarray(0, 200), 'application/json');
    if (kind === 'oversized') {
      const { body, contentType } = faceCaptureMultipart(json, this.overCap());
      return this.post(body, contentType);
    }
    return this.post(json, 'application/json');
  }

  /** Picture bytes that take a push past the listener's cap. */
  private overCap(): number {
    return (this.o.maxBodyBytes ?? 2 * 1024 * 1024) + 100_000;
  }

  private async post(body: Buffer, contentType: string): Promise<number> {
    const headers: Record<string, string> = { 'content-type': contentType };
    if (this.o.secret) headers['x-camera-secret'] = this.o.secret;
    try {
      const res = await fetch(`${this.o.baseUrl}/cameras/${this.o.id}`, {
        method: 'POST',
        headers,
        body: new Uint8Array(body),
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }
}

/** One character of the plate's alphanumeric part read wrong, as ANPR does (8 for B, 0 for D). */
function misread(plate: string): string {
  const swaps: Record<string, string> = {
    B: '8',
    '8': 'B',
    D: '0',
    '0': 'D',
    Z: '2',
    '2': 'Z',
    S: '5',
    '5': 'S',
  };
  const chars = [...plate];
  for (let i = chars.length - 1; i > 1; i--) {
    const c = chars[i] as string;
    if (swaps[c]) {
      chars[i] = swaps[c];
      return chars.join('');
    }
  }
  chars[chars.length - 1] = chars.at(-1) === '1' ? '7' : '1';
  return chars.join('');
}
