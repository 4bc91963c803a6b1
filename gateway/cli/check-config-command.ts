import { isGatepostError } from '../../core/errors.ts';
import { loadConfigFile } from '../config/load.ts';

/** `gatepost check-config FILE`: exit 0 and a summary if valid, 1 and every problem if not. */
export async function checkConfigCommand(
  argv: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const file = argv[0];
  if (!file || argv.length > 1) {
    err.write('usage: gatepost check-config FILE\n');
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
