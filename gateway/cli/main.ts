import { VERSION } from '../version.ts';
import { checkConfigCommand } from './check-config-command.ts';
import { startCommand } from './start-command.ts';

const USAGE = `usage: gatepost <command> [options]      (gatepost <command> --help for one; gatepost --version)

commands:
  start [--config FILE]            run the gateway (default: config/demo.yaml, simulated devices)
  broker [--config FILE]           run only the embedded MQTT broker of a config
  check-config FILE                validate a site config; prints each problem with its field path
  verify CODE [--at ISO] [--trust FILE ...]
                                   verify a pass offline and print the verdict as JSON
  sim [--scenario FILE] [--config FILE] [--seed N] [--time-scale X]
                                   simulated devices, traffic and faults for a separate gateway
                                   (--console: the devices alone, driven by hand)
  user add|passwd|remove|list NAME [--role ROLE] [--lane LANE] [--pin] [--password-stdin]
                                   manage the broker's users file (docs/security.md)
  export --from TIME --to TIME [--format csv|jsonl] [--out FILE] [--config FILE | --db FILE]
                                   write the ledger of trucks and drivers of a period (docs/yard.md)
  backup [--to DIR] [--config FILE]
                                   online copy of the store, the config and the files it names
  restore FROM [--config FILE] [--prefix DIR]
                                   put a backup back on a stopped box (docs/install.md)
  central keygen|sign|publish ...  the central office's side of the downlink (docs/downlink.md)
`;

type Command = (argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  start: async () => startCommand,
  broker: async () => (await import('./broker-command.ts')).brokerCommand,
  'check-config': async () => checkConfigCommand,
  verify: async () => (await import('./verify-command.ts')).verifyCommand,
  sim: async () => (await import('../../sim/sim-command.ts')).simCommand,
  user: async () => (await import('./user-command.ts')).userCommand,
  export: async () => (await import('./export-command.ts')).exportCommand,
  backup: async () => (await import('./backup-command.ts')).backupCommand,
  restore: async () => (await import('./restore-command.ts')).restoreCommand,
  central: async () => (await import('./central-command.ts')).centralCommand,
};

/** Runs one `gatepost` command; resolves with the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    // Which code runs: a release build (dist/, bin/gatepost.js) or the sources built at start.
    process.stdout.write(
      `gatepost ${VERSION} (${process.env.GATEPOST_DIST ? 'release build' : 'sources'}, node ${process.version})\n`,
    );
    return 0;
  }
  // `gatepost help CMD` is `gatepost CMD --help`.
  if (name === 'help' && rest[0] && COMMANDS[rest[0]]) return main([rest[0], '--help']);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? process.stdout : process.stderr).write(USAGE);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`gatepost: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  return (await load())(rest, process.stdout, process.stderr);
}
