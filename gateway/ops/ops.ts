import type { Database } from 'better-sqlite3';
import type { Registry } from 'prom-client';
import type { LocalBroker } from '../../broker/local-broker.ts';
import type { Clock } from '../../core/clock.ts';
import { isGatepostError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import type { GatewayClient } from '../mqtt/gateway-client.ts';
import { topicFor } from '../mqtt/topics.ts';
import type { RecordSink } from '../record-sink.ts';
import type { Outbox } from '../store/outbox.ts';
import type { RecordStore } from '../store/record-store.ts';
import { registerBacklogMetrics } from './backlog-metrics.ts';
import { newestRecordAt } from './clock-check.ts';
import { ClockMonitor } from './clock-monitor.ts';
import type { BaySensorSource, LaneStateSource } from './device-metrics.ts';
import { EventLoopMonitor } from './event-loop.ts';
import { type OpsServer, startOpsServer } from './http.ts';
import { GatewayMetrics } from './metrics.ts';
import { Readiness } from './readiness.ts';
import { SdNotify } from './sd-notify.ts';

export interface OpsOptions {
  config: SiteConfig['ops'];
  site: string;
  version: string;
  clock: Clock;
  log: Logger;
  /** For systemd's NOTIFY_SOCKET and WATCHDOG_USEC (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** The clock check's first run comes this long after the gateway's parts started (Ops.startClockCheck). */
export const CLOCK_CHECK_FIRST_DELAY_MS = 2_000;

/**
 * Operations for one gateway: the metrics registry and its collectors, readiness, the
 * `/metrics` `/healthz` `/readyz` listener (ops.host:ops.port), the clock check and systemd's
 * notifications and watchdog. startGateway calls the `attach*` hooks as it starts each part, and
 * `started()` at the end. The listener is not vital: if its port is taken, the checkpoint runs
 * on without it (logged as an error).
 */
export class Ops {
  readonly loop = new EventLoopMonitor();
  readonly readiness = new Readiness();
  readonly metrics: GatewayMetrics;
  readonly sd: SdNotify;
  server: OpsServer | undefined;
  private clock: ClockMonitor | undefined;
  private newestAt: number | undefined;
  private readonly offs: (() => void)[] = [];

  constructor(private readonly o: OpsOptions) {
    this.metrics = new GatewayMetrics({
      site: o.site,
      version: o.version,
      loop: this.loop,
      ready: () => this.readiness.ready,
      clockState: () => this.clock?.state,
    });
    this.sd = new SdNotify({
      log: o.log,
      ...(o.env ? { env: o.env } : {}),
      healthy: () => this.loop.sinceLastBeatMs() < 5000,
    });
  }

  get registry(): Registry {
    return this.metrics.registry;
  }

  /** Reads the newest record's time (before anything is appended) and counts every commit. */
  attachStore(db: Database, store: RecordStore): void {
    this.newestAt = newestRecordAt(db);
    this.offs.push(store.onCommit(this.metrics.records.onCommit));
  }

  attachBroker(broker: LocalBroker): void {
    this.metrics.addSource(() => broker.metricsText());
  }

  /** The gateway client is connected (so the broker listens) and has published `online`. */
  online(): void {
    this.readiness.mark('broker');
    this.readiness.mark('state');
  }

  /** Backlog series from the store when there is no uplink to report them. */
  attachBacklog(outbox: Outbox): void {
    registerBacklogMetrics(this.registry, outbox, () => this.o.clock.now());
  }

  attachBaySensors(driver: BaySensorSource): void {
    this.metrics.devices.setBaySensors(driver, this.o.clock.scale);
    this.readiness.addDevices(() => this.metrics.devices.busDevices());
  }

  attachLanes(lanes: ReadonlyMap<string, LaneStateSource>): void {
    this.metrics.devices.addLanes(lanes.values());
    this.readiness.addDevices(() => this.metrics.devices.laneDevices());
  }

  /**
   * Starts the clock check in the background, its first run CLOCK_CHECK_FIRST_DELAY_MS after the
   * parts started (timedatectl may take a moment): spawning it forks the process, ~10-17 ms of the
   * main thread (CPU profiles of the release's start) that neither the start nor whatever waits
   * for ready should wait behind. The gateway is ready well within that time.
   */
  startClockCheck(sink: RecordSink, client: GatewayClient): void {
    const cfg = this.o.config.clockCheck;
    if (!cfg.enabled) return;
    this.clock = new ClockMonitor({
      now: () => this.o.clock.now(),
      newestRecordAt: this.newestAt,
      alarm: (data) => sink.record('gateway', 'alarm', data),
      publish: (status) => client.publish(topicFor('gatewayClock', { site: this.o.site }), status, true),
      log: this.o.log,
      intervalMs: cfg.intervalSeconds * 1000,
      check: { toleranceMs: cfg.toleranceSeconds * 1000 },
    });
    const monitor = this.clock;
    const first = setTimeout(() => void monitor.start(), CLOCK_CHECK_FIRST_DELAY_MS);
    first.unref();
    this.offs.push(() => clearTimeout(first));
  }

  /** Every part is started: readiness now waits only for devices; systemd hears READY=1. */
  started(): void {
    this.readiness.allDevicesAdded();
    const waiting = this.readiness.report().waitingFor;
    void this.sd.ready(waiting.length === 0 ? 'ready' : `started; opening ${waiting.join(', ')}`);
    if (waiting.length > 0) void this.readiness.whenReady().then(() => this.sd.status('ready'));
  }

  async stop(): Promise<void> {
    await this.sd.stopping();
    this.clock?.stop();
    for (const off of this.offs.splice(0)) off();
    this.readiness.stop();
    await this.server?.close();
    this.server = undefined;
    this.loop.stop();
  }
}

/** Creates the Ops of a gateway and opens its listener (when ops.enabled). */
export async function startOps(o: OpsOptions): Promise<Ops> {
  const ops = new Ops(o);
  ops.loop.start();
  if (o.config.enabled) {
    try {
      ops.server = await startOpsServer({
        host: o.config.host,
        port: o.config.port,
        metrics: ops.metrics,
        readiness: ops.readiness,
        loop: ops.loop,
        log: o.log,
      });
      o.log.info({ url: ops.server.url }, 'ops listening (/metrics, /healthz, /readyz)');
    } catch (err) {
      if (isGatepostError(err)) throw err;
      o.log.error(
        { err: (err as Error).message, host: o.config.host, port: o.config.port },
        'ops listener failed: /metrics, /healthz and /readyz are unavailable (change ops.port in the config); the gateway runs on',
      );
    }
  }
  return ops;
}
