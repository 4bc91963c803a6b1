import type { Database } from 'better-sqlite3';
import { ErrorCode } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { DetectorStuckEvent } from '../../devices/barrier/detector-events.ts';
import { createBarrierDriver } from '../../devices/barrier/driver.ts';
import type { DeviceErrorEvent, HealthEvent } from '../../devices/events.ts';
import { createLaneScanner } from '../../devices/scanner/factory.ts';
import { createThermometerDriver } from '../../devices/thermometer/driver.ts';
import type { LaneConfig, SiteConfig } from '../../site-config/schema.ts';
import { DeviceErrorCollapser } from '../device-error-collapser.ts';
import type { GatewayDeps } from '../gateway-deps.ts';
import type { GatewayClient } from '../mqtt/gateway-client.ts';
import type { DeviceErrorData, DeviceHealth } from '../mqtt/gateway-payloads.ts';
import { laneStream } from '../mqtt/record.ts';
import { topicFor } from '../mqtt/topics.ts';
import { preloadDccSchemas } from '../passes/hc1-schema.ts';
import { emptyTrustStore, type TrustStore } from '../passes/trust-list.ts';
import type { FirstTrustLoad } from '../passes/trust-list-first-load.ts';
import { TrustListWatcher } from '../passes/trust-list-watcher.ts';
import { PassVerifier } from '../passes/verifier.ts';
import type { RecordSink } from '../record-sink.ts';
import { storeSecret } from '../store/personal-data.ts';
import { keyedCertificateSubjects } from './certificate-subjects.ts';
import type { InputStageTimes } from './input-stages.ts';
import { LaneController } from './lane-controller.ts';
import { maintenanceOf, openTransitOf, recentScansOf } from './lane-history.ts';
import type {
  BayHolder,
  BayReservations,
  ExitHolder,
  HandoverReceiving,
  LaneCameraFeed,
  LaneDevices,
  PassCheck,
  PreRegistrationLookup,
  Subscribable,
  YardExits,
} from './lane-ports.ts';
import type { Alarm } from './lane-records.ts';
import { ReplayGuard } from './replay-guard.ts';
import { handleLaneRequest, type RefusedWhy } from './staff-requests.ts';

export interface LanesOptions {
  config: SiteConfig;
  deps: GatewayDeps;
  sink: RecordSink;
  client: GatewayClient;
  db: Database;
  yard: (BayHolder & ExitHolder & Partial<HandoverReceiving>) | undefined;
  /** Counts a staff request refused before it reached a lane (unknown action or lane, invalid). */
  onRefusedRequest?: (why: RefusedWhy) => void;
  /** Hears each lane's input-to-command latency and its stages (the ops metrics). */
  commandLatency?: (lane: string, seconds: number, stages: InputStageTimes) => void;
  /** The trust list's first load, begun as the gateway started (trust-list-first-load.ts). */
  trustFirstLoad?: FirstTrustLoad;
  /** The trucks announced by the central office (Downlink.preRegistrations), when the downlink runs. */
  preRegistrations?: PreRegistrationLookup;
  /** The site's cards (gateway/cards): its key joins the trust list, its revoked cards are refused. */
  cards?: { trust(base: TrustStore): TrustStore; verifier(inner: PassCheck): PassCheck };
}

export interface Lanes {
  readonly controllers: ReadonlyMap<string, LaneController>;
  /** Joins the site's cameras to the lanes: each lane hears its own (Cameras.lane(id)). */
  attachCameras(cameras: { lane(laneId: string): LaneCameraFeed }): void;
  stop(): Promise<void>;
}

type DeviceName = 'scanner' | 'thermometer' | 'barrier';

/**
 * Builds every lane of the site: its drivers from the config, the pass verifier on the trust
 * list (reloaded on change), the replay guard shared by all lanes, the lane controllers, device
 * health and errors on the broker, and the staff request topics.
 */
export async function startLanes(o: LanesOptions): Promise<Lanes> {
  const { config, deps, sink, client } = o;
  const log = deps.log.child({ part: 'lanes' });
  const site = config.site.id;

  preloadDccSchemas();
  const trust = await startTrustList(config, sink, log, o.trustFirstLoad);
  const listed = () => trust?.current() ?? emptyTrustStore();
  const verifier = new PassVerifier({
    trust: o.cards ? () => o.cards?.trust(listed()) ?? listed() : listed,
    clockSkewSeconds: config.passes.clockSkewSeconds,
  });
  // Each EU DCC's subject keyed with the store's secret before anything records it.
  const dccKeyed = keyedCertificateSubjects(verifier, storeSecret(o.db, 'certificate-subject-key'));
  const passes = o.cards ? o.cards.verifier(dccKeyed) : dccKeyed;
  const replayWindowMs = config.passes.replayWindowSeconds * 1000;
  const replay = new ReplayGuard(replayWindowMs);
  const laneConfigs = [...config.checkpoints.flatMap((cp) => cp.lanes), ...config.yard.exitLanes];
  // The passes shown within the window before a restart are still a replay when shown again.
  // A transit the restart cut short: its truck may scan again on its lane, in a new transit.
  const interruptedOf = new Map(laneConfigs.map((l) => [l.id, openTransitOf(o.db, laneStream(l.id))]));
  const since = deps.clock.now() - replayWindowMs;
  const scans = recentScansOf(
    o.db,
    laneConfigs.map((l) => laneStream(l.id)),
    since,
  ).map((s) => (s.transitId === interruptedOf.get(s.lane)?.transitId ? { ...s, cutShort: true } : s));
  const remembered = replay.restore(scans);
  if (remembered > 0)
    log.info({ passes: remembered }, 'replay guard: passes shown before the restart remembered');

  // Repeated device errors become one record with a count (device-error-collapser.ts).
  const errors = new DeviceErrorCollapser({
    write: (stream, data) => sink.record(stream, 'device-error', data),
    clock: deps.clock,
    log,
  });
  const controllers = new Map<string, LaneController>();
  for (const laneConfig of laneConfigs) {
    const laneLog = log.child({ lane: laneConfig.id });
    const stream = laneStream(laneConfig.id);
    const devices = createLaneDevices(laneConfig, deps, laneLog, (e) =>
      sink
        .record(stream, 'alarm', stuckAlarm(laneConfig.id, e))
        .catch((err: unknown) => laneLog.error({ err }, 'detector alarm not recorded')),
    );
    for (const [name, driver] of Object.entries(devices) as [DeviceName, LaneDevices[keyof LaneDevices]][]) {
      if (driver) reportDevice(driver, name, laneConfig.id, { site, errors, client, log: laneLog });
    }
    const interrupted = interruptedOf.get(laneConfig.id);
    const maintenance = maintenanceOf(o.db, stream);
    const controller = new LaneController({
      config: laneConfig,
      site,
      rules: config.rules,
      clock: deps.clock,
      log: laneLog,
      devices,
      passes,
      ...(o.yard ? { yard: reservationsOf(o.yard), exits: exitsOf(o.yard) } : { yard: undefined }),
      ...(o.yard?.receivingBay ? { handovers: { receivingBay: o.yard.receivingBay.bind(o.yard) } } : {}),
      ...(o.preRegistrations ? { preRegistrations: o.preRegistrations } : {}),
      replay,
      record: (type, data) => sink.record(stream, type, data),
      publishState: (state) => {
        client
          .publish(topicFor('laneState', { site, lane: laneConfig.id }), state, true)
          .catch((err: unknown) => laneLog.warn({ err }, 'lane state publish failed'));
      },
      idNumbers: config.passes.idNumbers,
      ...(interrupted ? { interrupted } : {}),
      ...(maintenance ? { maintenance } : {}),
      ...(o.commandLatency
        ? {
            commandLatency: (s: number, stages: InputStageTimes) =>
              o.commandLatency?.(laneConfig.id, s, stages),
          }
        : {}),
    });
    await controller.start();
    controllers.set(laneConfig.id, controller);
  }

  await client.subscribe(`gatepost/${site}/lane/+/request/+`, (topic, payload) => {
    const [, , , lane = '', , action = ''] = topic.split('/');
    void handleLaneRequest(
      {
        lanes: controllers,
        log,
        audit: (laneId, entry) => sink.record(laneStream(laneId), 'staff-action', { lane: laneId, ...entry }),
        ...(o.onRefusedRequest ? { refused: o.onRefusedRequest } : {}),
      },
      lane,
      action,
      payload,
    )
      .then((reply) => client.publish(`gatepost/${site}/lane/${lane}/response/${action}`, reply))
      .catch((err: unknown) => log.error({ err, lane, action }, 'lane request failed'));
  });

  return {
    controllers,
    attachCameras(cameras) {
      for (const [id, c] of controllers) c.attachCameras(cameras.lane(id));
    },
    async stop() {
      for (const c of controllers.values()) await c.stop();
      errors.stop();
      await trust?.stop();
    },
  };
}

function createLaneDevices(
  lane: LaneConfig,
  deps: GatewayDeps,
  log: Logger,
  onStuck: (e: DetectorStuckEvent) => unknown,
): LaneDevices {
  const { clock } = deps;
  const d = lane.devices;
  const barrier = createBarrierDriver({
    config: d.barrier,
    opener: deps.serial,
    gpio: deps.gpio,
    clock,
    log, // the driver names itself (device, port) in its log lines
  });
  barrier.on('stuck', onStuck);
  return {
    scanner: createLaneScanner(d.scanner, {
      opener: deps.serial,
      clock,
      log, // the driver names itself (device, port) in its log lines
    }),
    thermometer: d.thermometer
      ? createThermometerDriver({
          config: d.thermometer,
          opener: deps.serial,
          clock,
          log: log.child({ device: 'thermometer' }),
        })
      : undefined,
    barrier,
  };
}

/**
 * A barrier detector high for longer than its `stuckAfterMs` (a photo-eye covered, a loop
 * detector failed on): an alarm while it lasts, ended (`active: false`) when it is low again.
 */
function stuckAlarm(lane: string, e: DetectorStuckEvent): Alarm {
  const minutes = Math.max(1, Math.round(e.afterMs / 60_000));
  return {
    lane,
    kind: 'detector-stuck',
    message: e.stuck
      ? `barrier ${e.role} detector ${e.detector} (${e.kind}) high for over ${e.afterMs} ms: stuck, or a vehicle left there`
      : `barrier ${e.role} detector ${e.detector} is low again`,
    active: e.stuck,
    params: {
      detector: e.detector,
      role: e.role,
      detectorKind: e.kind,
      minutes,
      code: ErrorCode.BarrierDetectorStuck,
    },
  };
}

/**
 * Device health as a retained topic; bad input from a device as a `device-error` record, its
 * repeats collapsed into one record with a count.
 */
function reportDevice(
  driver: Subscribable<{ health: HealthEvent; error: DeviceErrorEvent }>,
  device: DeviceName,
  lane: string,
  ctx: { site: string; errors: DeviceErrorCollapser; client: GatewayClient; log: Logger },
): void {
  driver.on('health', (e) => {
    const payload: DeviceHealth = { device, state: e.state, at: e.at, reason: e.reason };
    ctx.client
      .publish(topicFor('deviceHealth', { site: ctx.site, lane, device }), payload, true)
      .catch((err: unknown) => ctx.log.warn({ err }, 'health publish failed'));
  });
  driver.on('error', (e) => {
    const data: DeviceErrorData = {
      lane,
      device,
      kind: e.kind,
      errorCode: e.errorCode,
      message: e.message,
      ...(e.bytes === undefined ? {} : { bytes: e.bytes }),
    };
    ctx.errors.report(laneStream(lane), data, e.at, e.suppressed ?? 1);
  });
}

async function startTrustList(config: SiteConfig, sink: RecordSink, log: Logger, first?: FirstTrustLoad) {
  const path = config.passes.trustListPath;
  if (!path) {
    const message = 'no trust list configured (passes.trustListPath): every pass verifies as untrusted';
    log.warn(message);
    await sink.record('gateway', 'alarm', {
      kind: 'trust-list',
      message,
      active: true,
      params: { problem: 'not-configured' },
    });
    return undefined;
  }
  const watcher = new TrustListWatcher({
    path,
    log: log.child({ part: 'trust-list' }),
    ...(first ? { first } : {}),
  });
  let alarmed = false;
  watcher.events.on('alarm', (e) => {
    alarmed = true;
    return sink.record('gateway', 'alarm', {
      kind: 'trust-list',
      message: e.message,
      active: true,
      params: { problem: 'unreadable' },
    });
  });
  watcher.events.on('loaded', (e) => {
    if (!alarmed) return;
    alarmed = false;
    return sink.record('gateway', 'alarm', {
      kind: 'trust-list',
      message: `trust list loaded: ${e.keys} GP1 keys, ${e.dsc} document signers`,
      active: false,
      params: { keys: e.keys, signers: e.dsc },
    });
  });
  await watcher.start();
  return watcher;
}

/** The lanes reserve with `hold`: the bay's record and the decision naming it share one commit. */
function reservationsOf(yard: BayHolder): BayReservations {
  return { reserve: (req) => yard.hold(req) };
}

/** The exit lanes check out with `holdExit`: the truck's exit and the decision share one commit. */
function exitsOf(yard: ExitHolder): YardExits {
  return { exit: (q, gaveUp) => yard.holdExit(q, gaveUp) };
}
