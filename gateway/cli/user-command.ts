import { existsSync } from 'node:fs';
import type { ReadStream } from 'node:tty';
import { parseArgs } from 'node:util';
import { assignableRoles } from '../../broker/acl-table.ts';
import {
  changeSecret,
  checkUsers,
  emptyUsersFile,
  readUsersFile,
  removeUser,
  secretProblem,
  USER_NAME,
  type UserRecord,
  type UsersFile,
  upsertUser,
  writeUsersFile,
} from '../../broker/users-file.ts';
import { ErrorCode, errorMessage, GatepostError, isGatepostError } from '../../core/errors.ts';
import { loadConfigFile } from '../../site-config/load.ts';
import { GATEPOST_ACL } from '../mqtt/acl-roles.ts';
import { DEFAULT_CONFIG, wantsHelp } from './options.ts';
import { readSecretFromStream, readSecretFromTty } from './read-secret.ts';

const USAGE = `usage:
  gatepost user add NAME --role ROLE [--lane LANE] [--pin] [--password-stdin] [--file FILE | --config FILE]
  gatepost user passwd NAME [--password-stdin] [--file FILE | --config FILE]
  gatepost user remove NAME [--file FILE | --config FILE]
  gatepost user list [--file FILE | --config FILE]

The users file is --file, or broker.usersFile of the config (default ${DEFAULT_CONFIG}).
Roles: ${assignableRoles(GATEPOST_ACL).join(', ')} (kiosk needs --lane).
--pin: the secret is a staff PIN (6-12 digits), good only for the web pages' sign-in;
otherwise a password of at least 12 characters, for programs and screens connecting directly.
The secret is read from standard input with --password-stdin, else asked for twice on the terminal.
A running broker reads the file again within seconds; a removed or changed user's connections are closed.
`;

/** `gatepost user add|passwd|remove|list`: manage the broker's users file. */
export async function userCommand(
  argv: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  input: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  if (wantsHelp(argv)) {
    out.write(USAGE);
    return 0;
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    err.write(`gatepost user: ${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
  const { action, name, values } = parsed;
  if (!action || action === 'help' || values.help) {
    (action ? out : err).write(USAGE);
    return action ? 0 : 2;
  }
  try {
    const file = usersFilePath(values.file, values.config);
    switch (action) {
      case 'list':
        return list(file, out);
      case 'add':
      case 'passwd':
      case 'remove': {
        if (!name || !USER_NAME.test(name)) {
          err.write(
            `gatepost user ${action}: give a user name of 1-64 letters, digits, dots, dashes or underscores\n`,
          );
          return 2;
        }
        if (action === 'remove') return remove(file, name, out, err);
        const secretFor = async (kind: UserRecord['secret']) => {
          const secret = await readSecret(kind, name, values['password-stdin'] === true, input, err);
          const problem = secretProblem(kind, secret);
          if (problem) throw new GatepostError(ErrorCode.SecretRefused, problem);
          return secret;
        };
        if (action === 'passwd') return await passwd(file, name, secretFor, out, err);
        return await add(file, name, values, secretFor, out, err);
      }
      default:
        err.write(`gatepost user: unknown action "${action}"\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    err.write(`gatepost user ${action}: ${errorMessage(e)}\n`);
    return 1;
  }
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      role: { type: 'string' },
      lane: { type: 'string' },
      pin: { type: 'boolean' },
      'password-stdin': { type: 'boolean' },
      file: { type: 'string', short: 'f' },
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length > 2)
    throw new GatepostError(ErrorCode.UsageInvalid, `unexpected "${positionals[2]}"`);
  return { action: positionals[0], name: positionals[1], values };
}

type Values = ReturnType<typeof parse>['values'];

function usersFilePath(file: string | undefined, config: string | undefined): string {
  if (file) return file;
  const cfgFile = config ?? DEFAULT_CONFIG;
  let cfg: ReturnType<typeof loadConfigFile>;
  try {
    cfg = loadConfigFile(cfgFile);
  } catch (e) {
    if (isGatepostError(e))
      throw new GatepostError(ErrorCode.ConfigUnreadable, `cannot find the users file: ${e.message}`);
    throw e;
  }
  if (!cfg.broker.usersFile)
    throw new GatepostError(
      ErrorCode.ConfigInvalid,
      `${cfgFile} sets no broker.usersFile; give --file FILE or set it`,
    );
  return cfg.broker.usersFile;
}

async function readSecret(
  kind: UserRecord['secret'],
  name: string,
  fromStdin: boolean,
  input: NodeJS.ReadableStream,
  err: NodeJS.WritableStream,
): Promise<string> {
  if (fromStdin) return readSecretFromStream(input);
  const tty = input as ReadStream;
  if (!tty.isTTY || typeof tty.setRawMode !== 'function') {
    throw new GatepostError(ErrorCode.UsageInvalid, 'standard input is not a terminal: use --password-stdin');
  }
  const what = kind === 'pin' ? 'PIN' : 'password';
  const first = await readSecretFromTty(`New ${what} for ${name}: `, tty, err);
  const again = await readSecretFromTty(`Again: `, tty, err);
  if (first !== again)
    throw new GatepostError(ErrorCode.SecretRefused, `the two ${what}s differ; nothing changed`);
  return first;
}

function load(file: string, mustExist: boolean): UsersFile {
  if (!existsSync(file)) {
    if (mustExist) throw new GatepostError(ErrorCode.ConfigUnreadable, `users file ${file} does not exist`);
    return emptyUsersFile();
  }
  return readUsersFile(file, GATEPOST_ACL);
}

async function add(
  file: string,
  name: string,
  values: Values,
  secretFor: (kind: UserRecord['secret']) => Promise<string>,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const role = values.role;
  const spec = role ? GATEPOST_ACL[role] : undefined;
  if (!role || !spec?.assignable) {
    err.write(`gatepost user add: --role must be one of ${assignableRoles(GATEPOST_ACL).join(', ')}\n`);
    return 2;
  }
  if (spec.needsLane && !values.lane) {
    err.write(`gatepost user add: role ${role} needs --lane LANE\n`);
    return 2;
  }
  if (!spec.needsLane && values.lane) {
    err.write(`gatepost user add: role ${role} takes no lane\n`);
    return 2;
  }
  const current = load(file, false);
  const kind = values.pin ? 'pin' : 'password';
  const replaced = current.users.some((u) => u.name === name);
  const next = await upsertUser(
    current,
    { name, role, lane: values.lane, secret: kind },
    await secretFor(kind),
  );
  // The checks the broker makes when it reads the file.
  const problems = checkUsers(next, GATEPOST_ACL);
  if (problems.length) throw new GatepostError(ErrorCode.ConfigInvalid, problems.join('; '));
  writeUsersFile(file, next);
  const lane = values.lane ? `, lane ${values.lane}` : '';
  out.write(`${replaced ? 'replaced' : 'added'} user ${name} (role ${role}${lane}, ${kind}) in ${file}\n`);
  return 0;
}

async function passwd(
  file: string,
  name: string,
  secretFor: (kind: UserRecord['secret']) => Promise<string>,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const current = load(file, true);
  const user = current.users.find((u) => u.name === name);
  if (!user) {
    err.write(`gatepost user passwd: no user ${name} in ${file}\n`);
    return 1;
  }
  const next = await changeSecret(current, name, await secretFor(user.secret));
  if (!next) return 1;
  writeUsersFile(file, next);
  out.write(`changed the ${user.secret === 'pin' ? 'PIN' : 'password'} of ${name} in ${file}\n`);
  return 0;
}

function remove(file: string, name: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  const next = removeUser(load(file, true), name);
  if (!next) {
    err.write(`gatepost user remove: no user ${name} in ${file}\n`);
    return 1;
  }
  writeUsersFile(file, next);
  out.write(`removed user ${name} from ${file}\n`);
  return 0;
}

function list(file: string, out: NodeJS.WritableStream): number {
  const users = load(file, true).users;
  for (const u of users) {
    const changed = new Date(u.changedAt).toISOString();
    out.write(`${u.name}\t${u.role}\t${u.lane ?? '-'}\t${u.secret}\tchanged ${changed}\n`);
  }
  if (!users.length) out.write(`no users in ${file}\n`);
  return 0;
}
