import { unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage, isGatepostError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { type ConfigProblem, loadConfigFile } from '../../site-config/load.ts';
import {
  type ConfigFilePaths,
  type ConfigMarker,
  clearMarker,
  configFilePaths,
  readMarker,
  stageConfig,
  stagedIsWhole,
  swapConfig,
} from './config-files.ts';
import type { ConfigPayload } from './downlink-payloads.ts';

/**
 * The exit status of `gatepost start` after it swapped in a config from the downlink (or put the
 * last good one back): EX_TEMPFAIL of sysexits.h. systemd (Restart=always, ops/gatepost.service)
 * starts the gateway again on the file now in place.
 */
export const CONFIG_RESTART_EXIT_CODE = 75;

/** What the start path (gateway/cli/start-command.ts) gives the downlink about the config file. */
export interface ConfigFileLink {
  /** The config file the gateway runs on. */
  path: string;
  /** Resolves once the start path has settled a config under trial; absent when none is. */
  settled?: Promise<void>;
  /** Asks the start path for a clean stop and exit with CONFIG_RESTART_EXIT_CODE. */
  restart(reason: string): void;
}

/** A lane as the config change sees it: its state says whether a transit is open. */
export interface QuietLane {
  state(): { transit?: unknown };
}

/** How a change ended, for the envelope's ack. */
export type ConfigOutcome =
  | { status: 'applied'; marker: ConfigMarker }
  | { status: 'rolled-back' | 'failed' | 'superseded'; marker: ConfigMarker; message: string };

export interface ConfigChangesOptions {
  link: ConfigFileLink;
  site: string;
  log: Logger;
  /** Acks the envelope of a change that has ended (Downlink.settleConfig). */
  settle: (outcome: ConfigOutcome) => Promise<void>;
  /** How often the lanes are asked whether they are quiet. */
  quietPollMs?: number;
}

/** The result of checking a config payload as `gatepost check-config` checks a file. */
export type ConfigCheck = { ok: true } | { ok: false; problems: ConfigProblem[] };

/**
 * The `config` kind (docs/downlink.md): a new site config is checked with the config's own
 * loader (schema, migrations and cross-checks, as `gatepost check-config`), staged beside the
 * running file, and swapped in when no lane has a transit open; then the gateway restarts on it.
 * The start path tries it and rolls back to the last good config if it does not come up; the
 * envelope's ack is written once that is known.
 */
export class ConfigChanges {
  readonly paths: ConfigFilePaths;
  private lanes: readonly QuietLane[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private swapped = false;
  private stopped = false;

  constructor(private readonly o: ConfigChangesOptions) {
    this.paths = configFilePaths(o.link.path);
  }

  /** At start: acks a change that ended while the gateway was down, or resumes a staged one. */
  async resume(): Promise<void> {
    await this.o.link.settled;
    const marker = readMarker(this.paths);
    if (!marker || this.stopped) return;
    if (marker.state === 'applied') return this.end({ status: 'applied', marker });
    if (marker.state === 'rolled-back')
      return this.end({
        status: 'rolled-back',
        marker,
        message: marker.message ?? 'the new config did not come up',
      });
    if (marker.state === 'staged' && stagedIsWhole(this.paths, marker)) return this.watchForQuiet();
    this.o.log.warn({ marker }, 'config change found incomplete; dropped');
    return this.end({ status: 'failed', marker, message: 'the staged config was lost' });
  }

  /** The lanes, once started; a staged config is swapped in only when none has a transit open. */
  attachLanes(lanes: Iterable<QuietLane>): void {
    this.lanes = [...lanes];
  }

  /** Checks a config payload as `gatepost check-config` does, and that it is this site's. */
  check(payload: ConfigPayload): ConfigCheck {
    const ext = path.extname(this.paths.running);
    const dir = path.dirname(this.paths.running);
    const probe = path.join(dir, `.${path.basename(this.paths.running, ext)}.check-${process.pid}${ext}`);
    try {
      writeFileSync(probe, payload.text, { mode: 0o600 });
      const cfg = loadConfigFile(probe);
      if (cfg.site.id !== this.o.site)
        return {
          ok: false,
          problems: [
            { path: 'site.id', message: `must stay ${this.o.site}: this is a config for ${cfg.site.id}` },
          ],
        };
      return { ok: true };
    } catch (e) {
      if (!isGatepostError(e)) throw e;
      const problems = (e.details as { problems?: ConfigProblem[] } | undefined)?.problems;
      return {
        ok: false,
        problems: problems ?? [{ path: '(file)', message: e.message.replaceAll(probe, 'the config') }],
      };
    } finally {
      try {
        unlinkSync(probe);
      } catch {
        // not written
      }
    }
  }

  /** Stages a checked config; a change staged before it and not yet swapped in is superseded. */
  async stage(payload: ConfigPayload, envelope: { envelopeId: string; topic: string; version: number }) {
    // A config under trial is settled first (the start path resolves it within its time limit).
    await this.o.link.settled;
    const before = readMarker(this.paths);
    stageConfig(this.paths, payload.text, envelope);
    this.o.log.info({ envelopeId: envelope.envelopeId, version: envelope.version }, 'config staged');
    if (before && before.envelopeId !== envelope.envelopeId)
      await this.o.settle({
        status: 'superseded',
        marker: before,
        message: `superseded by version ${envelope.version} before it was applied`,
      });
    this.watchForQuiet();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async end(outcome: ConfigOutcome): Promise<void> {
    await this.o.settle(outcome);
    clearMarker(this.paths);
  }

  private watchForQuiet(): void {
    if (this.timer || this.stopped || this.swapped) return;
    this.timer = setInterval(() => this.swapIfQuiet(), this.o.quietPollMs ?? 250);
    this.timer.unref();
  }

  /** In one turn of the event loop: the lanes are asked, and the files swapped if all are quiet. */
  private swapIfQuiet(): void {
    const lanes = this.lanes;
    if (!lanes || this.swapped) return;
    const open = lanes.map((l) => l.state()).filter((s) => s.transit !== undefined).length;
    if (open > 0) return;
    const marker = readMarker(this.paths);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (marker?.state !== 'staged') return;
    try {
      swapConfig(this.paths, marker);
    } catch (e) {
      this.o.log.error({ err: e }, 'config not swapped in');
      void this.end({ status: 'failed', marker, message: `not swapped in: ${errorMessage(e)}` });
      return;
    }
    this.swapped = true;
    this.o.log.info(
      { envelopeId: marker.envelopeId, version: marker.version, lanes: lanes.length, openTransits: open },
      'config swapped in while the lanes are quiet; restarting',
    );
    this.o.link.restart(`config version ${marker.version} from the downlink`);
  }
}
