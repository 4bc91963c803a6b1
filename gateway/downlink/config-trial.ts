import { parseArgs } from 'node:util';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { ConfigFileLink } from './config-apply.ts';
import {
  type ConfigFilePaths,
  type ConfigMarker,
  configFilePaths,
  prepareConfigStart,
  rollBackConfig,
  writeMarker,
} from './config-files.ts';

/**
 * The start path's side of a config from the downlink (gateway/cli/start-command.ts): before the
 * config file is loaded it looks whether a new config is under trial (config-files.ts
 * prepareConfigStart: a second start on it rolls it back); once the gateway has started it
 * waits for readiness within `downlink.configReadyTimeoutSeconds` and either keeps the config or
 * puts the last good one back (then the process exits with CONFIG_RESTART_EXIT_CODE and systemd
 * starts it again on the last good config, whose downlink acks the rollback).
 */
export class ConfigTrial {
  readonly paths: ConfigFilePaths;
  /** The marker of a config under trial in this start, if one is. */
  private marker: ConfigMarker | undefined;
  private settle: () => void = () => {};
  private requestRestart: (reason: string) => void = () => {};
  /** Resolves with the reason when the downlink asks for a restart (a config swapped in). */
  readonly restartRequested: Promise<string>;
  readonly link: ConfigFileLink;

  constructor(configPath: string) {
    this.paths = configFilePaths(configPath);
    this.restartRequested = new Promise((resolve) => {
      this.requestRestart = resolve;
    });
    let state: ReturnType<typeof prepareConfigStart> = { trial: false };
    try {
      state = prepareConfigStart(this.paths);
    } catch {
      // An unreadable marker or directory: started as if no change were under way.
    }
    const settled = state.trial
      ? new Promise<void>((resolve) => {
          this.settle = resolve;
        })
      : undefined;
    if (state.trial) this.marker = state.marker;
    this.link = {
      path: configPath,
      ...(settled ? { settled } : {}),
      restart: (reason) => this.requestRestart(reason),
    };
  }

  /** The `--config FILE` of `gatepost start`'s arguments (`defaultFile` without one). */
  static fromArgs(argv: string[], defaultFile: string): ConfigTrial {
    let file = defaultFile;
    try {
      const { values } = parseArgs({
        args: argv,
        options: { config: { type: 'string', short: 'c' } },
        strict: false,
      });
      if (typeof values.config === 'string') file = values.config;
    } catch {
      // configFromArgs reports bad arguments
    }
    return new ConfigTrial(file);
  }

  /** A new config is on trial in this start. */
  get onTrial(): boolean {
    return this.marker !== undefined;
  }

  /** The config under trial did not load or start: the last good one is put back. */
  rollBack(why: string, log?: Logger): void {
    const marker = this.marker;
    if (!marker) return;
    this.marker = undefined;
    try {
      rollBackConfig(this.paths, marker, why);
      log?.warn({ envelopeId: marker.envelopeId, version: marker.version, why }, 'config rolled back');
    } catch (e) {
      log?.error({ err: e }, 'config not rolled back');
    }
    this.settle();
  }

  /**
   * Waits until the gateway is ready, or the time limit: ready keeps the new config (the downlink
   * acks it `applied`); not ready in time puts the last good one back. True if it was kept.
   */
  async await(whenReady: Promise<void>, timeoutMs: number, log: Logger): Promise<boolean> {
    const marker = this.marker;
    if (!marker) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([whenReady.then(() => 'ready' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.rollBack(
        `the gateway was not ready within ${Math.round(timeoutMs / 1000)} s on the new config`,
        log,
      );
      return false;
    }
    this.marker = undefined;
    try {
      writeMarker(this.paths, { ...marker, state: 'applied' });
    } catch (e) {
      log.error({ err: e, detail: errorMessage(e) }, 'config change not recorded as applied');
    }
    log.info({ envelopeId: marker.envelopeId, version: marker.version }, 'config from the downlink came up');
    this.settle();
    return true;
  }
}
