import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../core/clock.ts';
import { capConnections } from '../../core/connection-caps.ts';
import { ErrorCode } from '../../core/errors.ts';
import { EventBus } from '../../core/event-bus.ts';
import type { Logger } from '../../core/logger.ts';
import { plateColourCode } from '../../core/plate-colour.ts';
import type { HealthSample } from '../health.ts';
import { parseBody } from './body-text.ts';
import { authorise } from './camera-auth.ts';
import {
  type CameraEvents,
  type CameraTemperatureEvent,
  CameraTemperatureEventSchema,
  type PlateSightingEvent,
  PlateSightingEventSchema,
} from './camera-events.ts';
import { CameraHealth } from './camera-health.ts';
import type { CamerasConfig, PushCameraConfig } from './config.ts';
import { CAMERA_HTTP_BUDGET } from './listener-budget.ts';
import { keepPicture } from './picture-files.ts';
import { readPlatePush } from './plate-push.ts';
import { type PushPicture, readPushBody } from './push-body.ts';
import { RepeatWindow } from './repeat-window.ts';
import { readThermalPush } from './thermal-push.ts';

export type CameraKind = 'plate' | 'thermal';

/**
 * Where a camera's sightings and temperatures go: each resolves once what it carries is
 * committed (the gateway's record store). The camera hears its 200 only then.
 */
export interface CameraCommit {
  sighting(e: PlateSightingEvent): Promise<void>;
  temperature(e: CameraTemperatureEvent): Promise<void>;
}

export interface CameraListenerOptions {
  config: CamerasConfig;
  commit: CameraCommit;
  clock: Clock;
  log: Logger;
}

/** A push refused before it reached a camera (unknown path), for the gateway's record. */
export interface UnknownPush {
  path: string;
  from: string;
  at: number;
}

interface Camera {
  config: PushCameraConfig;
  kind: CameraKind;
  bus: EventBus<CameraEvents>;
  health: CameraHealth;
  counts: { pushes: number; sightings: number; repeats: number; refused: number; heartbeats: number };
}

/**
 * What a request came to: the status, the reason told to the camera, how health takes it, and
 * what is told to the lane once the camera has its answer (a committed sighting or temperature).
 */
interface Outcome {
  status: number;
  reason: string;
  sample: HealthSample | undefined;
  error?: { kind: string; code: ErrorCode; bytes?: number };
  /** Not `then`: an object with a `then` method is a thenable, which `await` would call. */
  after?: () => void;
}

/**
 * The site's camera listener: one HTTP server the plate and thermal cameras push to, each on
 * `POST /cameras/<id>`. A push is authorised (secret, allow list), read within the byte cap,
 * parsed (ISAPI XML or JSON, UTF-8 or GBK), its plate normalised and merged with repeats, and
 * committed through `commit` before the camera gets its 200; every refusal is a 4xx with its
 * reason, a device error event and a health sample. Nothing a camera sends throws.
 */
export class CameraListener {
  readonly unknown: EventBus<{ push: UnknownPush }>;
  private readonly cameras = new Map<string, Camera>();
  private readonly repeats: RepeatWindow<Promise<PlateSightingEvent | undefined>>;
  private readonly measurements: RepeatWindow<Promise<boolean>>;
  private server: Server | undefined;
  /** Pushes being read, parsed and committed (CAMERA_HTTP_BUDGET.maxPushesInFlight). */
  private inFlight = 0;

  private constructor(private readonly o: CameraListenerOptions) {
    this.unknown = new EventBus(o.log);
    this.repeats = new RepeatWindow(o.config.repeatWindowMs);
    this.measurements = new RepeatWindow(o.config.repeatWindowMs);
    for (const [kind, list] of [
      ['plate', o.config.plate],
      ['thermal', o.config.thermal],
    ] as const) {
      for (const config of list) {
        const bus = new EventBus<CameraEvents>(o.log);
        const health = new CameraHealth(o.clock, o.config.silentAfterMs, (c) =>
          bus.emit('health', { ...c, at: o.clock.now() }),
        );
        this.cameras.set(config.id, {
          config,
          kind,
          bus,
          health,
          counts: { pushes: 0, sightings: 0, repeats: 0, refused: 0, heartbeats: 0 },
        });
      }
    }
  }

  static async start(o: CameraListenerOptions): Promise<CameraListener> {
    const l = new CameraListener(o);
    const b = CAMERA_HTTP_BUDGET;
    const server = createServer(
      {
        headersTimeout: Math.min(b.headersTimeoutMs, o.config.requestTimeoutMs),
        // The body's own timer (push-body.ts) answers 408 first; node's is the backstop.
        requestTimeout: o.config.requestTimeoutMs + 1000,
        keepAliveTimeout: b.keepAliveTimeoutMs,
        maxHeaderSize: b.maxHeaderBytes,
        connectionsCheckingInterval: b.checkEveryMs,
      },
      (req, res) => {
        l.handle(req, res).catch((err: unknown) => {
          o.log.error({ err }, 'camera push failed unexpectedly');
          l.reply(res, 500, 'internal error', true);
        });
      },
    );
    capConnections(server, b);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.config.port, o.config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    l.server = server;
    return l;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** The events of one camera: sightings or temperatures, health, errors. */
  events(id: string): EventBus<CameraEvents> | undefined {
    return this.cameras.get(id)?.bus;
  }

  /** Every camera with its lane, kind, health and counters (for metrics and the lanes' panels). */
  list() {
    return [...this.cameras.values()].map((c) => ({
      id: c.config.id,
      lane: c.config.lane,
      kind: c.kind,
      health: c.health.state,
      counts: { ...c.counts },
    }));
  }

  async stop(): Promise<void> {
    for (const c of this.cameras.values()) c.health.dispose();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://camera');
    } catch {
      req.resume();
      return this.reply(res, 400, 'the request target is not a URL', true);
    }
    const id = /^\/cameras\/([a-z0-9][a-z0-9-]{0,47})\/?$/.exec(url.pathname)?.[1];
    const camera = id === undefined ? undefined : this.cameras.get(id);
    if (!camera) {
      req.resume();
      this.unknown.emit('push', {
        path: url.pathname.slice(0, 80),
        from: req.socket.remoteAddress ?? '',
        at: this.o.clock.now(),
      });
      return this.reply(res, 404, 'no camera of that id', true);
    }
    if (req.method !== 'POST') {
      req.resume();
      return this.reply(res, 405, 'a camera pushes with POST', true);
    }
    camera.counts.pushes++;
    if (this.inFlight >= CAMERA_HTTP_BUDGET.maxPushesInFlight) {
      req.resume();
      return this.reply(res, 503, 'too many pushes at once; push it again', true);
    }
    this.inFlight++;
    const outcome = await this.take(camera, req, url).finally(() => this.inFlight--);
    // The answer goes out first: what follows (health, the lane's handling of the sighting, an
    // error record) is the gateway's work, not the camera's wait (docs/camera-latency.md).
    this.reply(res, outcome.status, outcome.reason, outcome.status >= 400);
    if (outcome.sample) camera.health.sample(outcome.sample, outcome.reason);
    outcome.after?.();
    if (outcome.error) {
      camera.counts.refused++;
      camera.bus.emit('error', {
        errorCode: outcome.error.code,
        kind: outcome.error.kind,
        message: outcome.reason,
        at: this.o.clock.now(),
        ...(outcome.error.bytes === undefined ? {} : { bytes: outcome.error.bytes }),
      });
    }
  }

  private async take(camera: Camera, req: IncomingMessage, url: URL): Promise<Outcome> {
    const auth = authorise(camera.config, req, url);
    if (!auth.ok) {
      req.resume();
      return {
        status: auth.kind === 'wrong-secret' ? 401 : 403,
        reason: auth.message,
        sample: 'noise',
        error: { kind: auth.kind, code: ErrorCode.CameraNotAllowed },
      };
    }
    const { config } = this.o;
    const body = await readPushBody(req, {
      maxBytes: config.maxBodyBytes,
      timeoutMs: config.requestTimeoutMs,
      keepPictures: config.keepPictures && camera.kind === 'plate',
    });
    const refused = (status: number, kind: string, reason: string, bytes?: number): Outcome => ({
      status,
      reason,
      sample: 'noise',
      error: { kind, code: ErrorCode.CameraPushRefused, ...(bytes === undefined ? {} : { bytes }) },
    });
    if (!body.ok) return refused(body.status, body.kind, body.message, body.bytes);
    const doc = parseBody(body.document, body.charset);
    if (!doc.ok) return refused(400, doc.kind, doc.message, body.bytes);
    const at = this.o.clock.now();
    if (camera.kind === 'thermal') {
      const r = readThermalPush(doc.value);
      if (r.kind === 'other') return this.heartbeat(camera, r.eventType);
      if (r.kind === 'refused') return refused(422, r.reason, r.message, body.bytes);
      const event: CameraTemperatureEvent = {
        camera: camera.config.id,
        lane: camera.config.lane,
        source: 'camera',
        ...r.read,
        pictures: body.pictures.map(({ name, sha256, bytes }) => ({ name, sha256, bytes })),
        at,
      };
      const checked = CameraTemperatureEventSchema.safeParse(event);
      if (!checked.success) return refused(422, 'schema', 'the temperature push does not fit its schema');
      // A camera that pushes the same measurement again (same event id) gets its 200, not a second record.
      const key = `${camera.config.id}\u0000event\u0000${r.read.eventId ?? `${at}`}`;
      const taken = this.measurements.take(key, at, () =>
        this.o.commit.temperature(checked.data).then(
          () => true,
          (err: unknown) => {
            this.o.log.error({ err }, 'camera measurement could not be committed');
            return false;
          },
        ),
      );
      if (!(await taken.value)) {
        this.measurements.forget(key, taken.value);
        return {
          status: 503,
          reason: 'the measurement could not be stored; push it again',
          sample: undefined,
        };
      }
      if (taken.repeat) {
        camera.counts.repeats++;
        return { status: 200, reason: 'repeat push of a stored measurement', sample: 'good' };
      }
      camera.counts.sightings++;
      return {
        status: 200,
        reason: 'measurement stored',
        sample: 'good',
        after: () => camera.bus.emit('temperature', checked.data),
      };
    }
    const r = readPlatePush(doc.value);
    if (r.kind === 'other') return this.heartbeat(camera, r.eventType);
    if (r.kind === 'refused') return refused(422, r.reason, r.message, body.bytes);
    const key = `${camera.config.id}\u0000${r.read.plate}`;
    const taken = this.repeats.take(key, at, () =>
      this.makeSighting(camera, r.read, body.pictures, at).catch(() => undefined),
    );
    const sighting = await taken.value;
    if (!sighting) {
      this.repeats.forget(key, taken.value);
      return { status: 503, reason: 'the sighting could not be stored; push it again', sample: undefined };
    }
    if (taken.repeat) {
      camera.counts.repeats++;
      return { status: 200, reason: `repeat read of a sighting (${taken.reads} reads)`, sample: 'good' };
    }
    camera.counts.sightings++;
    return {
      status: 200,
      reason: 'sighting stored',
      sample: 'good',
      after: () => camera.bus.emit('sighting', sighting),
    };
  }

  private async makeSighting(
    camera: Camera,
    read: ReturnType<typeof readPlatePush> & { kind: 'read' } extends { read: infer R } ? R : never,
    pictures: PushPicture[],
    at: number,
  ): Promise<PlateSightingEvent> {
    const kept = [];
    for (const p of pictures) {
      const path =
        p.data && this.o.config.keepPictures
          ? await keepPicture(this.o.config.picturesPath, at, p.sha256, p.data)
          : undefined;
      kept.push({ name: p.name, sha256: p.sha256, bytes: p.bytes, ...(path ? { path } : {}) });
    }
    const { raw: _raw, ...rest } = read;
    const event = PlateSightingEventSchema.parse({
      camera: camera.config.id,
      lane: camera.config.lane,
      ...rest,
      colourCode: plateColourCode(read.colour),
      reads: 1,
      late: read.cameraAt !== undefined && at - read.cameraAt > this.o.config.repeatWindowMs,
      pictures: kept,
      at,
    });
    await this.o.commit.sighting(event);
    return event;
  }

  private heartbeat(camera: Camera, eventType: string): Outcome {
    camera.counts.heartbeats++;
    return { status: 200, reason: `${eventType} event noted (not a read)`, sample: 'good' };
  }

  private reply(res: ServerResponse, status: number, reason: string, close = false): void {
    if (res.headersSent) return;
    const body = JSON.stringify({ ok: status < 300, reason });
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      ...(close ? { connection: 'close' } : {}),
    });
    res.end(body);
  }
}
