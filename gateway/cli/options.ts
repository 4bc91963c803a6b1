import { parseArgs } from 'node:util';
import { errorMessage, isGatepostError } from '../../core/errors.ts';
import { loadConfigFile } from '../../site-config/load.ts';
import type { SiteConfig } from '../../site-config/schema.ts';

export const DEFAULT_CONFIG = 'config/demo.yaml';

/** The commands' one check for `--help` (core/cli-args.ts, which `gatepost sim` uses too). */
export { wantsHelp } from '../../core/cli-args.ts';

/**
 * Parses `--config FILE` and loads it; prints the problems and returns undefined if invalid
 * (with `usage`, after a bad option).
 */
export function configFromArgs(
  argv: string[],
  err: NodeJS.WritableStream,
  usage = '',
): SiteConfig | undefined {
  let values: { config?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { config: { type: 'string', short: 'c' } },
      strict: true,
    }));
  } catch (e) {
    err.write(`gatepost: ${errorMessage(e)}\n${usage ? `\n${usage}` : ''}`);
    return undefined;
  }
  const file = values.config ?? DEFAULT_CONFIG;
  try {
    return loadConfigFile(file);
  } catch (e) {
    if (!isGatepostError(e)) throw e;
    err.write(`${e.message}\n`);
    return undefined;
  }
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
