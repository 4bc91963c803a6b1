import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../../core/errors.ts';
import { readFileCapped } from '../../core/read-file-capped.ts';
import { CONFIG_MAX_BYTES } from '../../site-config/load.ts';
import { fsyncDir, removeStaleTemps, writeFileAtomic } from './atomic-file.ts';
import { EnvelopeIdSchema } from './envelope.ts';

/**
 * The files of a config from the downlink, all beside the running config file P (docs/downlink.md):
 * `<name>.staged<ext>` the new config waiting for a quiet moment, `<name>.last-good<ext>` the
 * config that ran before it, and `<P>.downlink.json` the marker saying where the change stands.
 * Each is written atomically (temp + fsync + rename + directory fsync), and P is only ever
 * replaced by a rename, so a power cut at any moment leaves P the old config or the new one, whole.
 */
export interface ConfigFilePaths {
  running: string;
  staged: string;
  lastGood: string;
  marker: string;
}

export function configFilePaths(running: string): ConfigFilePaths {
  const ext = path.extname(running);
  const stem = running.slice(0, running.length - ext.length);
  return {
    running,
    staged: `${stem}.staged${ext}`,
    lastGood: `${stem}.last-good${ext}`,
    marker: `${running}.downlink.json`,
  };
}

/**
 * Where a config change stands: `staged` (waiting for the lanes to be quiet), `trial` (swapped in,
 * the gateway restarted on it, not yet ready), `applied` (it came up) or `rolled-back` (the last
 * good config is running again). The last two wait for the downlink to ack them.
 */
export const ConfigMarkerSchema = z
  .object({
    envelopeId: EnvelopeIdSchema,
    topic: z.string().max(256),
    version: z.number().int().positive(),
    stagedSha256: z.string().regex(/^[0-9a-f]{64}$/),
    state: z.enum(['staged', 'trial', 'applied', 'rolled-back']),
    /** Starts of the gateway on the config under trial; a second one means the first died. */
    attempts: z.number().int().nonnegative(),
    message: z.string().max(500).optional(),
  })
  .strict();
export type ConfigMarker = z.infer<typeof ConfigMarkerSchema>;

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function fileSha(file: string): string | undefined {
  try {
    return sha256(readFileCapped(file, CONFIG_MAX_BYTES));
  } catch {
    return undefined;
  }
}

export function readMarker(paths: ConfigFilePaths): ConfigMarker | undefined {
  let text: string;
  try {
    text = readFileSync(paths.marker, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return ConfigMarkerSchema.parse(JSON.parse(text));
  } catch {
    return undefined; // not ours, or damaged by hand: treated as no change under way
  }
}

export function writeMarker(paths: ConfigFilePaths, marker: ConfigMarker): void {
  writeFileAtomic(paths.marker, Buffer.from(`${JSON.stringify(marker)}\n`), 'downlink');
}

/** Ends a change: the marker and the staged file go; the last good config stays. */
export function clearMarker(paths: ConfigFilePaths): void {
  for (const f of [paths.marker, paths.staged]) {
    try {
      unlinkSync(f);
    } catch {
      // not there
    }
  }
  fsyncDir(path.dirname(paths.running));
}

/** Writes the new config's text beside the running one; the marker last, so it names a whole file. */
export function stageConfig(
  paths: ConfigFilePaths,
  text: string,
  envelope: { envelopeId: string; topic: string; version: number },
): ConfigMarker {
  for (const f of [paths.staged, paths.lastGood, paths.marker, paths.running]) removeStaleTemps(f);
  const bytes = Buffer.from(text, 'utf8');
  writeFileAtomic(paths.staged, bytes, 'downlink');
  const marker: ConfigMarker = { ...envelope, stagedSha256: sha256(bytes), state: 'staged', attempts: 0 };
  writeMarker(paths, marker);
  return marker;
}

/** The staged config as the marker names it, whole, or undefined (then the change is void). */
export function stagedIsWhole(paths: ConfigFilePaths, marker: ConfigMarker): boolean {
  return fileSha(paths.staged) === marker.stagedSha256;
}

/**
 * Puts the staged config in place of the running one: the running one is kept as the last good
 * (atomically), then the staged file is renamed over it and the directory fsynced, then the
 * marker says `trial`. Killed at any step, the running file is the old config or the new one.
 */
export function swapConfig(paths: ConfigFilePaths, marker: ConfigMarker): ConfigMarker {
  const current = readFileCapped(paths.running, CONFIG_MAX_BYTES);
  writeFileAtomic(paths.lastGood, current, 'downlink');
  renameSync(paths.staged, paths.running);
  fsyncDir(path.dirname(paths.running));
  const trial: ConfigMarker = { ...marker, state: 'trial', attempts: 0 };
  writeMarker(paths, trial);
  return trial;
}

/** Puts the last good config back in place of the one under trial; the marker says why. */
export function rollBackConfig(paths: ConfigFilePaths, marker: ConfigMarker, why: string): ConfigMarker {
  if (fileSha(paths.running) === marker.stagedSha256) {
    const lastGood = readFileCapped(paths.lastGood, CONFIG_MAX_BYTES);
    writeFileAtomic(paths.running, lastGood, 'downlink');
  }
  const back: ConfigMarker = { ...marker, state: 'rolled-back', message: why.slice(0, 500) };
  writeMarker(paths, back);
  return back;
}

/** What the start path found before loading the config file. */
export type ConfigStartState =
  | { trial: false; marker?: ConfigMarker }
  | { trial: true; marker: ConfigMarker };

/**
 * The start path's first look (before the config file is loaded): a config under trial is given
 * one start; if the marker shows a start on it already (that process died, or was killed by
 * systemd's start timeout), or the last good config is missing, it is rolled back now. A change
 * whose swap was cut short by a power cut is resolved by what the running file holds.
 */
export function prepareConfigStart(paths: ConfigFilePaths): ConfigStartState {
  const marker = readMarker(paths);
  if (!marker) return { trial: false };
  const runningSha = fileSha(paths.running);
  const isNew = runningSha === marker.stagedSha256;
  if (marker.state === 'applied' || marker.state === 'rolled-back') return { trial: false, marker };
  if (marker.state === 'staged' && !isNew) return { trial: false, marker };
  // `trial`, or `staged` with the new file in place (killed between the rename and the marker).
  if (!isNew)
    return {
      trial: false,
      marker: rollBackConfig(paths, marker, 'the last good config was put back before the new one came up'),
    };
  if (marker.state === 'trial' && marker.attempts >= 1)
    return {
      trial: false,
      marker: safeRollBack(paths, marker, 'the gateway stopped while starting on the new config'),
    };
  if (!existsSync(paths.lastGood)) {
    const kept: ConfigMarker = { ...marker, state: 'applied', message: 'no last good config to go back to' };
    writeMarker(paths, kept);
    return { trial: false, marker: kept };
  }
  const trial: ConfigMarker = { ...marker, state: 'trial', attempts: marker.attempts + 1 };
  writeMarker(paths, trial);
  return { trial: true, marker: trial };
}

function safeRollBack(paths: ConfigFilePaths, marker: ConfigMarker, why: string): ConfigMarker {
  try {
    return rollBackConfig(paths, marker, why);
  } catch (e) {
    return { ...marker, state: 'applied', message: `could not roll back: ${errorMessage(e)}` };
  }
}
