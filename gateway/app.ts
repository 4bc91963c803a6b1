import { type EmbeddedBroker, startEmbeddedBroker } from '../broker/embedded-broker.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { GpioChip } from '../devices/gpio/gpio.ts';
import type { SerialOpener } from '../devices/serial/link.ts';
import type { SiteConfig } from './config/schema.ts';
import { type LaneRuntime, startLane } from './lanes/lane.ts';
import { GatewayClient } from './mqtt/gateway-client.ts';
import { RecordSink } from './record-sink.ts';
import { openDatabase } from './store/database.ts';
import { RecordStore } from './store/record-store.ts';
import { VERSION } from './version.ts';

export interface GatewayDeps {
  config: SiteConfig;
  clock: Clock;
  log: Logger;
  /** Opens the devices' serial lines: real ports and PTYs, or the simulator's in-memory lines. */
  serial: SerialOpener;
  /** The GPIO chip of a name (onoff on a box, virtual in simulation). */
  gpio: (chip: string) => GpioChip;
  /** Connect to this broker instead of starting the embedded one. */
  brokerUrl?: string;
}

export interface Gateway {
  readonly broker: EmbeddedBroker | undefined;
  readonly brokerUrl: string;
  readonly store: RecordStore;
  readonly lanes: ReadonlyMap<string, LaneRuntime>;
  /** Clean shutdown: devices closed, store flushed, clean `offline` state instead of the will. */
  stop(): Promise<void>;
}

/** Starts every part of the gateway for a site config. */
export async function startGateway(deps: GatewayDeps): Promise<Gateway> {
  const { config, clock, log } = deps;
  const started: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const stop of started.reverse()) {
      try {
        await stop();
      } catch (err) {
        log.error({ err }, 'error while stopping');
      }
    }
  };

  try {
    const db = openDatabase(config.storage.path);
    started.push(() => {
      db.close();
    });
    const store = new RecordStore({
      db,
      site: config.site.id,
      clock,
      log,
      groupCommitMs: config.storage.groupCommitMs,
    });
    started.push(() => store.close());

    let broker: EmbeddedBroker | undefined;
    const externalUrl = deps.brokerUrl ?? config.broker.url;
    if (!externalUrl) {
      broker = await startEmbeddedBroker({ ...config.broker, log: log.child({ part: 'broker' }) });
      started.push(() => broker?.close());
    }
    const brokerUrl = externalUrl ?? broker?.url;
    if (!brokerUrl) throw new Error('no broker: enable broker.tcp or give a broker URL');

    const client = await GatewayClient.connect({
      url: brokerUrl,
      site: config.site.id,
      version: VERSION,
      clock,
      log,
      ...(config.broker.username
        ? { username: config.broker.username, password: config.broker.password }
        : {}),
    });
    started.push(() => client.stop());
    const sink = new RecordSink(store, client, config.site.id, log);

    const lanes = new Map<string, LaneRuntime>();
    const laneConfigs = [...config.checkpoints.flatMap((cp) => cp.lanes), ...config.yard.exitLanes];
    for (const laneConfig of laneConfigs) {
      const lane = await startLane({ config: laneConfig, site: config.site.id, deps, sink, client });
      lanes.set(laneConfig.id, lane);
      started.push(() => lane.stop());
    }
    log.info({ site: config.site.id, lanes: lanes.size, broker: brokerUrl }, 'gateway ready');
    return { broker, brokerUrl, store, lanes, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
