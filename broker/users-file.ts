import {
  closeSync,
  fsyncSync,
  openSync,
  renameSync,
  type Stats,
  statSync,
  unwatchFile,
  watchFile,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { ErrorCode, errorMessage, GatepostError } from '../core/errors.ts';
import { decodeUtf8Strict, readFileCapped } from '../core/read-file-capped.ts';
import type { AclTable } from './acl-table.ts';
import type { BrokerLog } from './broker-log.ts';
import { hashSecret, parseHash } from './password-hash.ts';

/**
 * The broker's users: a JSON file written by `gatepost user add|remove|passwd`, read by the
 * broker at start and again whenever it changes (so a removed user or a changed password takes
 * effect without a restart, and the user's live connections are closed).
 *
 * A user has a role of the ACL table, a lane when the role needs one, and one secret: a
 * `password` (for programs and screens that connect with it directly) or a staff `pin` (only
 * good for the web sign-in, which hands out a short-lived token; a PIN is never accepted as an
 * MQTT password, since it is too short to stand up to guessing).
 */
export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const LANE = /^[a-z0-9][a-z0-9-]{0,31}$/;
const MIN_PASSWORD_LENGTH = 12;
const PIN = /^\d{6,12}$/;
const MAX_FILE_BYTES = 4 * 1024 * 1024;

export const UserRecordSchema = z
  .object({
    name: z.string().regex(USER_NAME, 'must be 1-64 letters, digits, dots, dashes or underscores'),
    role: z.string().min(1),
    lane: z.string().regex(LANE, 'must be a lane id').optional(),
    secret: z.enum(['password', 'pin']),
    hash: z.string().refine((h) => parseHash(h) !== undefined, 'is not a scrypt hash this broker accepts'),
    changedAt: z.number().int().nonnegative().describe('When the secret or role last changed, epoch ms'),
  })
  .strict();
export type UserRecord = z.infer<typeof UserRecordSchema>;

export const UsersFileSchema = z.object({ version: z.literal(1), users: z.array(UserRecordSchema) }).strict();
export type UsersFile = z.infer<typeof UsersFileSchema>;

export const emptyUsersFile = (): UsersFile => ({ version: 1, users: [] });

/** Checks what the schema cannot: unique names, known roles, lanes where the role needs one. */
export function checkUsers(file: UsersFile, table: AclTable): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const u of file.users) {
    if (seen.has(u.name)) problems.push(`user "${u.name}" is listed twice`);
    seen.add(u.name);
    const role = table[u.role];
    if (!role?.assignable) problems.push(`user "${u.name}": unknown role "${u.role}"`);
    else if (role.needsLane && !u.lane) problems.push(`user "${u.name}": role ${u.role} needs a lane`);
    else if (!role.needsLane && u.lane) problems.push(`user "${u.name}": role ${u.role} takes no lane`);
  }
  return problems;
}

export function readUsersFile(path: string, table: AclTable): UsersFile {
  let text: string;
  try {
    // Capped while reading, regular files only: /dev/zero or a FIFO is refused, never read forever.
    text = decodeUtf8Strict(readFileCapped(path, MAX_FILE_BYTES));
  } catch (e) {
    throw new GatepostError(ErrorCode.ConfigUnreadable, `cannot read users file ${path}: ${errorMessage(e)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new GatepostError(ErrorCode.ConfigInvalid, `users file ${path} is not JSON: ${errorMessage(e)}`);
  }
  const parsed = UsersFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'file';
    throw new GatepostError(ErrorCode.ConfigInvalid, `users file ${path}: ${where}: ${issue?.message}`);
  }
  const problems = checkUsers(parsed.data, table);
  if (problems.length) {
    throw new GatepostError(ErrorCode.ConfigInvalid, `users file ${path}: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Writes the file atomically (temporary file, fsync, rename), readable by its owner only. */
export function writeUsersFile(path: string, file: UsersFile): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(file, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Why a secret is refused for a kind, or undefined if it is good enough. */
export function secretProblem(kind: UserRecord['secret'], secret: string): string | undefined {
  if (kind === 'pin') return PIN.test(secret) ? undefined : 'a PIN must be 6 to 12 digits';
  return secret.length >= MIN_PASSWORD_LENGTH
    ? undefined
    : `a password must be at least ${MIN_PASSWORD_LENGTH} characters`;
}

export interface NewUser {
  name: string;
  role: string;
  lane?: string;
  secret: UserRecord['secret'];
}

/** A copy of the file with the user added or replaced (role, lane, secret and hash all new). */
export async function upsertUser(
  file: UsersFile,
  user: NewUser,
  secret: string,
  now = Date.now(),
): Promise<UsersFile> {
  const record: UserRecord = { ...user, hash: await hashSecret(secret), changedAt: now };
  if (!user.lane) delete record.lane;
  const users = file.users.filter((u) => u.name !== user.name);
  users.push(record);
  users.sort((a, b) => a.name.localeCompare(b.name));
  return { ...file, users };
}

/** A copy with a new secret for an existing user; undefined if there is no such user. */
export async function changeSecret(
  file: UsersFile,
  name: string,
  secret: string,
  now = Date.now(),
): Promise<UsersFile | undefined> {
  const old = file.users.find((u) => u.name === name);
  if (!old) return undefined;
  const hash = await hashSecret(secret);
  return { ...file, users: file.users.map((u) => (u.name === name ? { ...u, hash, changedAt: now } : u)) };
}

export function removeUser(file: UsersFile, name: string): UsersFile | undefined {
  if (!file.users.some((u) => u.name === name)) return undefined;
  return { ...file, users: file.users.filter((u) => u.name !== name) };
}

/** The users of a file, kept current while the broker runs. */
export class UserStore {
  private users = new Map<string, UserRecord>();
  private listener: ((cur: Stats, prev: Stats) => void) | undefined;

  private constructor(
    readonly path: string,
    private readonly table: AclTable,
    private readonly log: BrokerLog,
  ) {}

  /** Reads the file; throws a GatepostError if it is missing or invalid. */
  static load(path: string, table: AclTable, log: BrokerLog): UserStore {
    const store = new UserStore(path, table, log);
    store.users = store.read();
    return store;
  }

  get(name: string): UserRecord | undefined {
    return this.users.get(name);
  }

  get size(): number {
    return this.users.size;
  }

  private read(): Map<string, UserRecord> {
    const file = readUsersFile(this.path, this.table);
    try {
      if ((statSync(this.path).mode & 0o077) !== 0) {
        this.log.warn({ file: this.path }, 'users file is readable by other users; chmod 600 it');
      }
    } catch {
      // stat failed just after a successful read: the next reload will tell
    }
    return new Map(file.users.map((u) => [u.name, u]));
  }

  /**
   * Reads the file again. Returns the names whose record went away or changed; an unreadable or
   * invalid file is logged and the users of the last good read stay in force.
   */
  reload(): Set<string> {
    let next: Map<string, UserRecord>;
    try {
      next = this.read();
    } catch (e) {
      this.log.error({ err: errorMessage(e) }, 'users file not reloaded; keeping the previous users');
      return new Set();
    }
    const changed = new Set<string>();
    for (const [name, old] of this.users) {
      const now = next.get(name);
      if (!now || now.hash !== old.hash || now.role !== old.role || now.lane !== old.lane) changed.add(name);
    }
    this.users = next;
    this.log.info({ users: next.size, changed: changed.size }, 'users file reloaded');
    return changed;
  }

  /** Polls the file (it is replaced by rename, which file watchers lose track of). */
  watch(intervalMs: number, onChange: (changed: Set<string>) => void): void {
    if (this.listener) return;
    this.listener = (cur, prev) => {
      if (cur.mtimeMs === prev.mtimeMs && cur.ino === prev.ino && cur.size === prev.size) return;
      const changed = this.reload();
      if (changed.size) onChange(changed);
    };
    watchFile(this.path, { interval: intervalMs, persistent: false }, this.listener);
  }

  close(): void {
    if (this.listener) unwatchFile(this.path, this.listener);
    this.listener = undefined;
  }
}
