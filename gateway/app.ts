import { dropEarlyBrokerThread } from '../broker/broker-early-thread.ts';
import { type LocalBroker, startLocalBroker } from '../broker/local-broker.ts';
import { ErrorCode, GatepostError } from '../core/errors.ts';
import { ShutdownSteps } from '../core/shutdown-steps.ts';
import { createBaySensorDriver } from '../devices/bay-sensor/driver.ts';
import type { Cameras } from './cameras/camera-wiring.ts';
import { startCards } from './cards/cards-wiring.ts';
import { baySensorErrorData, DeviceErrorCollapser } from './device-error-collapser.ts';
import { PreRegistrationStore } from './downlink/pre-registrations.ts';
import { startDownlink } from './downlink/start-downlink.ts';
import type { GatewayDeps } from './gateway-deps.ts';
import type { LaneController } from './lanes/lane-controller.ts';
import { startLanes } from './lanes/lane-wiring.ts';
import { GATEPOST_ACL } from './mqtt/acl-roles.ts';
import { GatewayClient } from './mqtt/gateway-client.ts';
import { type Ops, startOps } from './ops/ops.ts';
import { preloadDccSchemas } from './passes/hc1-schema.ts';
import { startFirstTrustLoad } from './passes/trust-list-first-load.ts';
import { RecordSink } from './record-sink.ts';
import { openDatabase } from './store/database.ts';
import { DiskReserve } from './store/disk-reserve.ts';
import { RecordPolicy } from './store/record-policy.ts';
import { RecordStore } from './store/record-store.ts';
import { startStorage } from './store/storage.ts';
import { Uplink } from './uplink/uplink.ts';
import { VERSION } from './version.ts';
import { startWebServer, type WebServer } from './web/server.ts';
import { type CoordinatorContext, serveCoordinatorRequests } from './yard/coordinator.ts';
import { receivingTransitFinder } from './yard/handover/receiving-transit.ts';
import { storeYardReader, YARD_STREAM } from './yard/rebuild.ts';
import { Yard } from './yard/yard.ts';

/**
 * The yard's 1,200 retained bay views are published once the lanes are ready (their publishing and
 * the broker's matching of them would share the start's CPU with the lanes' devices), or this
 * long after the gateway started if a device keeps the lanes from being ready.
 */
const BAYS_PUBLISHED_WITHIN_MS = 1_000;

export type { GatewayDeps };

export interface Gateway {
  /** The embedded broker (on its own thread unless broker.thread.enabled is false), unless external. */
  readonly broker: LocalBroker | undefined;
  readonly brokerUrl: string;
  readonly store: RecordStore;
  readonly lanes: ReadonlyMap<string, LaneController>;
  readonly yard: Yard;
  /** The plate and thermal cameras' listener, when `cameras.enabled` (its lane events: `cameras.lane(id)`). */
  readonly cameras: Cameras | undefined;
  /** The pages' web server, when `web.enabled`. */
  readonly web: WebServer | undefined;
  /** Metrics, readiness, the ops listener (`ops.server`), the clock check, systemd notifications. */
  readonly ops: Ops;
  /** Clean shutdown: devices closed, store flushed, clean `offline` state instead of the will. */
  stop(): Promise<void>;
}

/** Starts every part of the gateway for a site config. */
export async function startGateway(deps: GatewayDeps): Promise<Gateway> {
  const { config, clock, log } = deps;
  const started = new ShutdownSteps(log);
  const stopAll = () => started.stopAll();

  // The embedded broker's thread boots while the store opens (a cold start waits for neither alone).
  const externalUrl = deps.brokerUrl ?? config.broker.url;
  const brokerStarting = externalUrl
    ? undefined
    : startLocalBroker({
        ...config.broker,
        site: config.site.id,
        acl: GATEPOST_ACL,
        log: log.child({ part: 'broker' }),
      });
  brokerStarting?.catch(() => {}); // its failure is thrown where it is awaited
  if (!brokerStarting) dropEarlyBrokerThread(); // begun by bin/gatepost.js; an external broker is used
  // So does the trust list's first load, on its own thread; the lanes' watcher takes it over.
  const trustPath = config.passes.trustListPath;
  const trustFirstLoad = trustPath
    ? startFirstTrustLoad(trustPath, log.child({ part: 'trust-list' }))
    : undefined;
  let broker: LocalBroker | undefined;
  try {
    const ops = await startOps({ config: config.ops, site: config.site.id, version: VERSION, clock, log });
    started.add('ops', () => ops.stop());
    const db = openDatabase(config.storage.path, {
      reserve: new DiskReserve(config.storage.path, config.storage.reserveBytes),
      log,
    });
    started.add('database', () => {
      db.close();
    });
    const store = new RecordStore({
      db,
      site: config.site.id,
      clock,
      log,
      groupCommitMs: config.storage.groupCommitMs,
      maxBatchRows: config.storage.maxBatchRows,
      policy: new RecordPolicy(config.storage.telemetryTypes),
    });
    started.add('store', () => store.close());
    ops.attachStore(db, store);

    if (brokerStarting) {
      // The DCC schemas compile (~250 ms of this thread) while the broker's thread still boots.
      preloadDccSchemas();
      broker = await brokerStarting;
      started.add('broker', () => broker?.close());
      ops.attachBroker(broker);
    }
    const brokerUrl = externalUrl ?? broker?.url;
    if (!brokerUrl)
      throw new GatepostError(
        ErrorCode.BrokerUnavailable,
        'no broker: enable broker.tcp or give a broker URL',
      );

    const client = await GatewayClient.connect({
      url: brokerUrl,
      site: config.site.id,
      version: VERSION,
      clock,
      log,
      // Configured credentials (an external broker), or the embedded broker's in-process secret.
      ...((config.broker.username
        ? { username: config.broker.username, password: config.broker.password }
        : broker?.gatewayCredentials) ?? {}),
    });
    started.add('mqtt-client', () => client.stop());
    ops.online();
    const sink = new RecordSink(store, client, config.site.id, log);
    // Ledger, disk guard and retention; then the uplink to the central broker (docs/storage.md).
    const storage = startStorage({
      db,
      store,
      config: config.storage,
      site: config.site.id,
      clock,
      log,
      sink,
      status: client,
      registry: ops.registry,
    });
    started.add('storage', () => storage.stop());
    // The central office's downlink rides on the uplink; its lab results wait for the yard.
    let yardUp: (ctx: CoordinatorContext) => void = () => {};
    const yardReady = new Promise<CoordinatorContext>((resolve) => {
      yardUp = resolve;
    });
    let downlink: ReturnType<typeof startDownlink>;
    if (config.uplink.enabled) {
      downlink = startDownlink({
        config,
        db,
        writer: sink,
        clock,
        log,
        status: client,
        registry: ops.registry,
        yard: yardReady,
        ...(deps.configFile ? { configFile: deps.configFile } : {}),
      });
      started.add('downlink', () => downlink?.stop());
      const uplink = new Uplink({
        config: config.uplink,
        site: config.site.id,
        store,
        outbox: storage.outbox,
        reclaimer: storage.reclaimer,
        clock,
        log: log.child({ part: 'uplink' }),
        status: client,
        registry: ops.registry,
        ...(downlink ? { downlink, downlinkMaxEnvelopeBytes: config.downlink.maxEnvelopeBytes } : {}),
      });
      uplink.start();
      started.add('uplink', () => uplink.stop());
    } else {
      ops.attachBacklog(storage.outbox);
    }

    // The yard, rebuilt from its stream; the store keeps that stream from its last snapshot on.
    const yardLog = log.child({ part: 'yard' });
    const yard = Yard.start({
      config: config.yard,
      site: config.site.id,
      clock,
      log: yardLog,
      writer: sink,
      reader: storeYardReader(db, store),
      target: client,
      keepFrom: (seq) => storage.reclaimer.holdFrom(YARD_STREAM, seq),
      // So that the records held for a restart (from the last snapshot on) never outlive the store's retention.
      snapshotAfterMs: (config.storage.maxAgeDays * 86_400_000) / 2,
      findTransit: receivingTransitFinder(storage.ledger, () => clock.now()),
      // Its 1,200 retained bay views once the lanes are ready (below), not in their way.
      publishBaysLater: true,
    });
    started.add('yard', () => yard.stop());
    const coordinator: CoordinatorContext = { yard, writer: sink, log: yardLog };
    await serveCoordinatorRequests(client, config.site.id, coordinator);
    yardUp(coordinator);
    if (config.yard.baySensorBuses.length > 0) {
      const baySensors = createBaySensorDriver({
        buses: config.yard.baySensorBuses,
        opener: deps.serial,
        clock,
        log,
      });
      const unlisten = yard.listenTo(baySensors);
      // Bay sensor errors as device-error records on the gateway stream, repeats collapsed.
      const sensorErrors = new DeviceErrorCollapser({
        write: (stream, data) => sink.record(stream, 'device-error', data),
        clock,
        log,
      });
      const unlistenErrors = baySensors.on('error', (e) =>
        sensorErrors.report('gateway', baySensorErrorData(e), e.at),
      );
      ops.attachBaySensors(baySensors);
      baySensors.start();
      started.add('bay-sensors', async () => {
        unlisten();
        unlistenErrors();
        await baySensors.stop();
        sensorErrors.stop();
      });
    }

    // The site's cards: its key (refused to start on an unreadable one), printers, card requests.
    const cards = await startCards({
      config,
      db,
      writer: sink,
      client,
      yard,
      serial: deps.serial,
      clock,
      log,
    });
    started.add('cards', () => cards.stop());
    const lanes = await startLanes({
      cards: cards.lanes,
      config,
      deps,
      sink,
      client,
      db,
      yard,
      commandLatency: ops.metrics.laneLatency.observe,
      ...(trustFirstLoad ? { trustFirstLoad } : {}),
      // The trucks the central office announced (the downlink's table): a truck without a pass may be one.
      preRegistrations: new PreRegistrationStore(db),
    });
    started.add('lanes', () => lanes.stop());
    ops.attachLanes(lanes.controllers);
    downlink?.attachLanes(lanes.controllers.values());
    // The plate and thermal cameras push to their own listener (gateway/cameras/, docs/devices.md).
    // Loaded only when enabled: the listener, its XML and multipart parsers are ~150 KB of modules
    // that a site without cameras would compile and keep at every start (docs/memory.md).
    const cameras = config.cameras.enabled
      ? await (await import('./cameras/camera-wiring.ts')).startCameras({
          config,
          sink,
          client,
          clock,
          log,
          registry: ops.registry,
        })
      : undefined;
    if (cameras) started.add('cameras', () => cameras.stop());
    // Each lane hears its plate camera's sightings and its thermal camera's temperatures.
    if (cameras) lanes.attachCameras(cameras);
    ops.startClockCheck(sink, client);
    // The kiosk and yard-map pages, with the staff sign-in (gateway/web/).
    const web = config.web.enabled
      ? await startWebServer({
          config,
          broker: {
            wsPort: broker?.wsPort,
            wssPort: broker?.wssPort,
            url: externalUrl,
            signIn: broker !== undefined && config.broker.usersFile !== undefined,
          },
          tokens: broker?.tokens,
          log: log.child({ part: 'web' }),
        })
      : undefined;
    if (web) started.add('web', () => web.close());
    log.info({ site: config.site.id, lanes: lanes.controllers.size, broker: brokerUrl }, 'gateway ready');
    ops.started();
    // The yard's bays once the lanes are ready, or after a second if a device keeps them from it.
    let baysPublished = false;
    const publishBays = () => {
      if (baysPublished) return;
      baysPublished = true;
      clock.clearTimeout(baysAnyway);
      void yard.publishAll().then(() => yardLog.info('yard bays published'));
    };
    const baysAnyway = clock.setTimeout(publishBays, BAYS_PUBLISHED_WITHIN_MS);
    started.add('bays-timer', () => clock.clearTimeout(baysAnyway));
    void ops.readiness.whenReady().then(publishBays);
    return { broker, brokerUrl, store, lanes: lanes.controllers, yard, cameras, web, ops, stop: stopAll };
  } catch (e) {
    await stopAll();
    // Something failed before the broker was awaited: it is closed once it has started.
    if (!broker)
      await brokerStarting?.then(
        (b) => b.close(),
        () => {},
      );
    throw e;
  }
}
