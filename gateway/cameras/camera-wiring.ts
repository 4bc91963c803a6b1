import type { Registry } from 'prom-client';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { ErrorCode } from '../../core/errors.ts';
import { EventBus } from '../../core/event-bus.ts';
import type { Logger } from '../../core/logger.ts';
import type {
  CameraEvents,
  CameraTemperatureEvent,
  PlateSightingEvent,
} from '../../devices/camera/camera-events.ts';
import { CameraListener } from '../../devices/camera/listener.ts';
import { prunePictures } from '../../devices/camera/picture-files.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import { DeviceErrorCollapser } from '../device-error-collapser.ts';
import type { GatewayClient } from '../mqtt/gateway-client.ts';
import type { DeviceErrorData, DeviceHealth } from '../mqtt/gateway-payloads.ts';
import { laneStream } from '../mqtt/record.ts';
import { topicFor } from '../mqtt/topics.ts';
import type { RecordSink } from '../record-sink.ts';
import { registerCameraMetrics } from './camera-metrics.ts';

/** What a lane hears of its cameras: one typed event per sighting and per camera temperature. */
export type LaneCameraEvents = {
  sighting: PlateSightingEvent;
  temperature: CameraTemperatureEvent;
};

export interface Cameras {
  readonly listener: CameraListener;
  /** The camera events of one lane (a bus even for a lane without cameras: it stays silent). */
  lane(laneId: string): EventBus<LaneCameraEvents>;
  stop(): Promise<void>;
}

export interface StartCamerasOptions {
  config: SiteConfig;
  sink: RecordSink;
  client: GatewayClient;
  clock: Clock;
  log: Logger;
  registry: Registry;
}

const DAY_MS = 86_400_000;

/**
 * Starts the site's camera listener and joins it to the gateway: a sighting or temperature is
 * committed as a record of its lane's stream (`plate-sighting`, `camera-temperature`) before
 * the camera hears its 200, then handed to the lane as a typed event; health is published
 * retained like the other lane devices' (device `plate-camera` or `thermal-camera`); refused
 * pushes become `device-error` records, repeats collapsed. Kept pictures are deleted after
 * storage.personalDataRetentionDays.
 */
export async function startCameras(o: StartCamerasOptions): Promise<Cameras> {
  const { config, sink, client, clock, log } = o;
  const site = config.site.id;
  const lanes = new Map<string, EventBus<LaneCameraEvents>>();
  const laneBus = (id: string) => {
    let bus = lanes.get(id);
    if (!bus) {
      bus = new EventBus(log);
      lanes.set(id, bus);
    }
    return bus;
  };
  const listener = await CameraListener.start({
    config: config.cameras,
    clock,
    log: log.child({ part: 'cameras' }),
    commit: {
      sighting: async ({ at: _at, ...data }) => {
        await sink.record(laneStream(data.lane), 'plate-sighting', data);
      },
      temperature: async ({ at: _at, ...data }) => {
        await sink.record(laneStream(data.lane), 'camera-temperature', data);
      },
    },
  });
  const errors = new DeviceErrorCollapser({
    write: (stream, data) => sink.record(stream, 'device-error', data),
    clock,
    log,
  });
  const unlisten: (() => void)[] = [];
  for (const cam of listener.list()) {
    const device = cam.kind === 'plate' ? 'plate-camera' : 'thermal-camera';
    const bus = listener.events(cam.id) as EventBus<CameraEvents>;
    unlisten.push(
      bus.on('sighting', (e) => laneBus(cam.lane).emit('sighting', e)),
      bus.on('temperature', (e) => laneBus(cam.lane).emit('temperature', e)),
      bus.on('health', (e) => {
        const payload: DeviceHealth = { device, state: e.state, at: e.at, reason: `${cam.id}: ${e.reason}` };
        client
          .publish(topicFor('deviceHealth', { site, lane: cam.lane, device }), payload, true)
          .catch((err: unknown) => log.warn({ err }, 'camera health publish failed'));
      }),
      bus.on('error', (e) => {
        const data: DeviceErrorData = {
          lane: cam.lane,
          device,
          kind: e.kind,
          errorCode: e.errorCode,
          message: `${cam.id}: ${e.message}`,
          ...(e.bytes === undefined ? {} : { bytes: e.bytes }),
        };
        errors.report(laneStream(cam.lane), data, e.at);
      }),
    );
    // Offline until its first push, like a scanner before its port opens.
    const initial: DeviceHealth = {
      device,
      state: 'offline',
      at: clock.now(),
      reason: `${cam.id}: no push yet`,
    };
    client
      .publish(topicFor('deviceHealth', { site, lane: cam.lane, device }), initial, true)
      .catch((err: unknown) => log.warn({ err }, 'camera health publish failed'));
  }
  unlisten.push(
    listener.unknown.on('push', (p) =>
      errors.report(
        'gateway',
        {
          device: 'camera-listener',
          kind: 'unknown-camera',
          errorCode: ErrorCode.CameraNotAllowed,
          message: `push to ${p.path} from ${p.from}: no camera of that id`,
        },
        p.at,
      ),
    ),
  );
  registerCameraMetrics(o.registry, listener);

  let prune: TimerHandle | undefined;
  if (config.cameras.keepPictures) {
    const keepMs = config.storage.personalDataRetentionDays * DAY_MS;
    const sweep = () =>
      prunePictures(config.cameras.picturesPath, clock.now() - keepMs).catch((err: unknown) =>
        log.warn({ err }, 'camera picture pruning failed'),
      );
    void sweep();
    prune = clock.setInterval(() => void sweep(), DAY_MS / 4);
  }
  log.info({ port: listener.port, cameras: listener.list().length }, 'camera listener ready');
  return {
    listener,
    lane: laneBus,
    async stop() {
      clock.clearInterval(prune);
      for (const u of unlisten) u();
      await listener.stop();
      errors.stop();
    },
  };
}
