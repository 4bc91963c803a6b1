import type { Database } from 'better-sqlite3';
import type { Registry } from 'prom-client';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import type { StatusPublisher } from '../store/storage-alarms.ts';
import type { CoordinatorContext } from '../yard/coordinator.ts';
import type { ConfigFileLink } from './config-apply.ts';
import { Downlink, type DownlinkRecordWriter } from './downlink.ts';

export interface StartDownlinkOptions {
  config: SiteConfig;
  db: Database;
  writer: DownlinkRecordWriter;
  clock: Clock;
  log: Logger;
  status?: StatusPublisher;
  registry?: Registry;
  /** Resolves once the yard is up (test-results envelopes wait for it). */
  yard: Promise<CoordinatorContext>;
  /** The config file the gateway runs on (the start path's); `config` envelopes need it. */
  configFile?: ConfigFileLink;
}

/**
 * The gateway's downlink when `downlink.enabled`: the trust list goes to passes.trustListPath
 * (its previous content to downlink.previousTrustListPath), rules to the object the lanes read.
 * The uplink reads the messages and hands them to it.
 */
export function startDownlink(o: StartDownlinkOptions): Downlink | undefined {
  const { config } = o;
  if (!config.downlink.enabled) return undefined;
  const trustPath = config.passes.trustListPath;
  const downlink = new Downlink({
    config: config.downlink,
    site: config.site.id,
    topicPrefix: config.uplink.topicPrefix,
    db: o.db,
    clock: o.clock,
    log: o.log.child({ part: 'downlink' }),
    writer: o.writer,
    ...(o.status ? { status: o.status } : {}),
    ...(o.registry ? { registry: o.registry } : {}),
    ...(trustPath
      ? {
          trustList: {
            path: trustPath,
            previousPath: config.downlink.previousTrustListPath ?? `${trustPath}.previous`,
          },
        }
      : {}),
    rules: config.rules,
    yard: o.yard,
    ...(o.configFile ? { configFile: o.configFile } : {}),
  });
  void downlink.publishStatus();
  return downlink;
}
