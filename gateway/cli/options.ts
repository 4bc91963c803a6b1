import { parseArgs } from 'node:util';
import { isGatepostError } from '../../core/errors.ts';
import { loadConfigFile } from '../config/load.ts';
import type { SiteConfig } from '../config/schema.ts';

export const DEFAULT_CONFIG = 'config/demo.yaml';

/** Parses `--config FILE` and loads it; prints the problems and returns undefined if invalid. */
export function configFromArgs(argv: string[], err: NodeJS.WritableStream): SiteConfig | undefined {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', short: 'c' } },
    strict: true,
  });
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
