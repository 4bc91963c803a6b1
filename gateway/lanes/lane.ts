import type { DeviceErrorEvent, HealthEvent, ScanEvent } from '../../devices/events.ts';
import { createScannerDriver, type ScannerDriver } from '../../devices/scanner/driver.ts';
import type { GatewayDeps } from '../app.ts';
import type { LaneConfig } from '../config/schema.ts';
import type { GatewayClient } from '../mqtt/gateway-client.ts';
import { codeKind, type DeviceErrorData, type DeviceHealth, type ScanData } from '../mqtt/payloads.ts';
import { laneStream } from '../mqtt/record.ts';
import { topicFor } from '../mqtt/topics.ts';
import type { RecordSink } from '../record-sink.ts';

export interface LaneOptions {
  config: LaneConfig;
  site: string;
  deps: GatewayDeps;
  sink: RecordSink;
  client: GatewayClient;
}

export interface LaneRuntime {
  readonly id: string;
  readonly scanner: ScannerDriver;
  stop(): Promise<void>;
}

/**
 * One checkpoint lane. So far: every code its scanner reads becomes a committed `scan` record,
 * every bad read a `device-error` record, and the scanner's health a retained topic.
 */
export async function startLane(opts: LaneOptions): Promise<LaneRuntime> {
  const { config, deps, sink, client, site } = opts;
  const log = deps.log.child({ lane: config.id });
  const stream = laneStream(config.id);

  const scanner = createScannerDriver({
    config: config.devices.scanner,
    opener: deps.serial,
    clock: deps.clock,
    log: log.child({ device: 'scanner' }),
  });

  const onCode = async (e: ScanEvent) => {
    const data: ScanData = { lane: config.id, kind: codeKind(e.code), code: e.code, bytes: e.bytes };
    try {
      await sink.record(stream, 'scan', data);
    } catch (err) {
      log.error({ err }, 'scan could not be stored');
    }
  };
  const onError = async (e: DeviceErrorEvent) => {
    const data: DeviceErrorData = {
      lane: config.id,
      device: 'scanner',
      kind: e.kind,
      errorCode: e.errorCode,
      message: e.message,
      ...(e.bytes === undefined ? {} : { bytes: e.bytes }),
    };
    await sink
      .record(stream, 'device-error', data)
      .catch((err: unknown) => log.error({ err }, 'store failed'));
  };
  const onHealth = (e: HealthEvent) => {
    const payload: DeviceHealth = { device: 'scanner', state: e.state, at: e.at, reason: e.reason };
    client
      .publish(topicFor('deviceHealth', { site, lane: config.id, device: 'scanner' }), payload, true)
      .catch((err: unknown) => log.warn({ err }, 'health publish failed'));
  };

  const offs = [scanner.on('code', onCode), scanner.on('error', onError), scanner.on('health', onHealth)];
  scanner.start();

  return {
    id: config.id,
    scanner,
    async stop() {
      for (const off of offs) off();
      await scanner.stop();
    },
  };
}
