import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { ErrorCode, errorMessage, GatepostError, isGatepostError } from '../../core/errors.ts';
import { loadConfigFile } from '../../site-config/load.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import { VERSION } from '../version.ts';
import { DEFAULT_CONFIG, wantsHelp } from './options.ts';

const USAGE = `usage: gatepost backup [--to DIR] [--config FILE]

Takes a consistent copy of a site while its gateway runs: the record store (SQLite's online backup
API: a snapshot of every committed record, the WAL included), the config (default ${DEFAULT_CONFIG}),
and every file the config names (users file, token secrets, TLS keys and certificates, trust list),
with a manifest (versions, time, sha256 of each file). It lands in a new folder
DIR/gatepost-backup-<site>-<time>/ (DIR default: the current directory), only once complete.
The folder holds secrets: keep it as you keep the box's keys (docs/install.md).
Restore it on a stopped box with: gatepost restore FOLDER
`;

export const BACKUP_FORMAT = 'gatepost-backup/1';
export const MANIFEST = 'manifest.json';

/** What a config names beside itself: each is copied if it exists. */
export type FileRole =
  | 'store'
  | 'config'
  | 'broker.usersFile'
  | 'broker.tokens.secretFile'
  | 'broker.tls.certFile'
  | 'broker.tls.keyFile'
  | 'broker.tls.caFile'
  | 'uplink.caFile'
  | 'uplink.certFile'
  | 'uplink.keyFile'
  | 'passes.trustListPath';

export interface ManifestFile {
  role: FileRole;
  /** Where it was on the box (absolute), and so where `restore` puts it back. */
  original: string;
  /** Its path inside the backup folder. */
  path: string;
  bytes: number;
  sha256: string;
  mode: number;
  uid: number;
  gid: number;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  createdAt: string;
  host: string;
  site: string;
  versions: { gatepost: string; node: string; sqlite: string; storeSchema: number; config: number };
  /** Records in the store's copy, per stream (a check for whoever restores it). */
  records: number;
  files: ManifestFile[];
  /** Files the config names that were not there to copy (or not regular files). */
  missing: { role: FileRole; original: string }[];
}

/** The files a config names, by role, as absolute paths (relative ones are from the working directory). */
export function namedFiles(config: SiteConfig): { role: FileRole; original: string }[] {
  const b = config.broker;
  const u = config.uplink;
  const named: [FileRole, string | undefined][] = [
    ['broker.usersFile', b.usersFile],
    ['broker.tokens.secretFile', b.tokens.secretFile],
    ['broker.tls.certFile', b.tls?.certFile],
    ['broker.tls.keyFile', b.tls?.keyFile],
    ['broker.tls.caFile', b.tls?.caFile],
    ['uplink.caFile', u.caFile],
    ['uplink.certFile', u.certFile],
    ['uplink.keyFile', u.keyFile],
    ['passes.trustListPath', config.passes.trustListPath],
  ];
  return named.flatMap(([role, p]) => (p ? [{ role, original: resolve(p) }] : []));
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** UTC time as 20261206T051400Z, for folder names. */
export function stamp(at = new Date()): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** `gatepost backup`: an online copy of the store, the config and the files it names. */
export async function backupCommand(
  argv: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  if (wantsHelp(argv)) {
    out.write(USAGE);
    return 0;
  }
  let values: { to?: string; config?: string };
  try {
    values = parseArgs({
      args: argv,
      options: { to: { type: 'string' }, config: { type: 'string', short: 'c' } },
      strict: true,
    }).values;
  } catch (e) {
    err.write(`gatepost backup: ${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
  const configFile = resolve(values.config ?? DEFAULT_CONFIG);
  let config: SiteConfig;
  try {
    config = loadConfigFile(configFile);
  } catch (e) {
    if (!isGatepostError(e)) throw e;
    err.write(`${e.message}\n`);
    return 1;
  }
  const storePath = resolve(config.storage.path);
  if (!existsSync(storePath)) {
    err.write(`gatepost backup: no store at ${storePath} (storage.path of ${configFile})\n`);
    return 1;
  }
  const createdAt = new Date();
  const parent = resolve(values.to ?? '.');
  const final = join(parent, `gatepost-backup-${config.site.id}-${stamp(createdAt)}`);
  if (existsSync(final)) {
    err.write(`gatepost backup: ${final} exists already\n`);
    return 1;
  }
  const work = `${final}.partial`;
  try {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(join(work, 'files'), { recursive: true, mode: 0o700 });
    chmodSync(work, 0o700);
    const files: ManifestFile[] = [];
    const entry = (role: FileRole, original: string, path: string): ManifestFile => {
      const st = statSync(original);
      const full = join(work, path);
      return {
        role,
        original,
        path,
        bytes: statSync(full).size,
        sha256: sha256File(full),
        mode: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
      };
    };

    // The store: SQLite's backup API through a connection of our own, all pages in one step: one
    // read transaction, so one snapshot of what was committed (the WAL's frames included). In WAL
    // mode a reader does not hold up the gateway's writers. (In steps of a few pages, every
    // commit of the gateway between two steps would start the copy again: on a busy site it
    // might never end.)
    const storeCopy = join('store', basename(storePath));
    mkdirSync(join(work, 'store'), { mode: 0o700 });
    const db = new BetterSqlite3(storePath, { readonly: true, fileMustExist: true });
    let storeSchema: number;
    let sqlite: string;
    try {
      db.pragma('busy_timeout = 5000');
      storeSchema = db.pragma('user_version', { simple: true }) as number;
      sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
      await db.backup(join(work, storeCopy), { progress: () => 0x7fffffff });
    } finally {
      db.close();
    }
    // The copy must open and be sound on its own (no WAL beside it).
    const copy = new BetterSqlite3(join(work, storeCopy), { fileMustExist: true });
    let records = 0;
    try {
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok')
        throw new GatepostError(
          ErrorCode.StoreFailed,
          `the store's copy fails SQLite's quick_check: ${String(check)}`,
        );
      copy.pragma('wal_checkpoint(TRUNCATE)');
      records =
        (copy.prepare('SELECT COUNT(*) AS n FROM records').get() as { n: number } | undefined)?.n ?? 0;
    } finally {
      copy.close();
    }
    for (const ext of ['-wal', '-shm']) rmSync(join(work, `${storeCopy}${ext}`), { force: true });
    chmodSync(join(work, storeCopy), 0o600);
    fsyncPath(join(work, storeCopy));
    files.push(entry('store', storePath, storeCopy));

    const copyIn = (role: FileRole, original: string, path: string) => {
      copyFileSync(original, join(work, path));
      chmodSync(join(work, path), 0o600);
      fsyncPath(join(work, path));
      files.push(entry(role, original, path));
    };
    copyIn('config', configFile, join('files', `config-${basename(configFile)}`));
    const missing: BackupManifest['missing'] = [];
    for (const { role, original } of namedFiles(config)) {
      // Only regular files: a FIFO or a device named by mistake would block the copy or never end.
      if (!existsSync(original) || !statSync(original).isFile()) {
        missing.push({ role, original });
        continue;
      }
      copyIn(role, original, join('files', `${role}-${basename(original)}`));
    }

    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      createdAt: createdAt.toISOString(),
      host: hostname(),
      site: config.site.id,
      versions: {
        gatepost: VERSION,
        node: process.version,
        sqlite,
        storeSchema,
        config: config.version,
      },
      records,
      files,
      missing,
    };
    writeFileSync(join(work, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    fsyncPath(join(work, MANIFEST));
    renameSync(work, final);
    fsyncPath(parent);
    out.write(
      `${final}\n  store ${storePath}: ${records} records, ${files[0]?.bytes ?? 0} bytes\n` +
        files
          .slice(1)
          .map((f) => `  ${f.role} ${f.original}\n`)
          .join('') +
        missing.map((m) => `  (${m.role} ${m.original}: not there, not copied)\n`).join(''),
    );
    return 0;
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    err.write(`gatepost backup: ${errorMessage(e)}\n`);
    return 1;
  }
}
