import { isGatepostError } from '../../core/errors.ts';
import { loadConfigFile } from '../../site-config/load.ts';
import { wantsHelp } from './options.ts';

const USAGE = `usage: gatepost check-config FILE

Validates a site config (migrating an older version in memory, writing nothing) and prints a
summary, or every problem with its field path. Exit status: 0 valid, 1 invalid, 2 bad usage.
(A file named like an option: gatepost check-config -- FILE.)
`;

/** `gatepost check-config FILE`: exit 0 and a summary if valid, 1 and every problem if not. */
export async function checkConfigCommand(
  argv: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  if (wantsHelp(argv)) {
    out.write(USAGE);
    return 0;
  }
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  const file = args[0];
  if (!file || args.length > 1) {
    err.write(USAGE);
    return 2;
  }
  try {
    const cfg = loadConfigFile(file);
    const lanes = cfg.checkpoints.reduce((n, cp) => n + cp.lanes.length, 0);
    const bays = cfg.yard.zones.reduce((n, z) => n + z.bays.reduce((m, r) => m + r.to - r.from + 1, 0), 0);
    out.write(
      `${file}: valid (site ${cfg.site.id}, ${cfg.checkpoints.length} checkpoints, ${lanes} lanes, ` +
        `${cfg.yard.exitLanes.length} yard exit lanes, ${bays} bays)\n`,
    );
    return 0;
  } catch (e) {
    if (!isGatepostError(e)) throw e;
    err.write(`${e.message}\n`);
    return 1;
  }
}
