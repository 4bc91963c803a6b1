import {
  chmodSync,
  chownSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { errorMessage } from '../../core/errors.ts';
import { VERSION } from '../version.ts';
import {
  BACKUP_FORMAT,
  type BackupManifest,
  MANIFEST,
  type ManifestFile,
  sha256File,
  stamp,
} from './backup-command.ts';
import { wantsHelp } from './options.ts';

const USAGE = `usage: gatepost restore FROM [--config FILE] [--prefix DIR]

Puts back a backup folder made by \`gatepost backup\` on a stopped box: the record store, the
config and the files it named, each where it was when the backup was taken. Every file's sha256
is checked against the manifest first; nothing is changed if one differs. A file it replaces is
kept aside as <file>.replaced-<time> (the store with its -wal and -shm).
  --config FILE   put the config here instead (the other files still go where the config names them)
  --prefix DIR    put every file under DIR (e.g. a new SD card mounted at /mnt/sd)
Refuses while a gateway has the store open (stop it first: systemctl stop gatepost).
`;

/** A restore refused before anything was changed. */
class Refused extends Error {}

/** Whether another process has the SQLite file open (the gateway holds it for as long as it runs). */
export function storeInUse(path: string): boolean {
  if (!existsSync(path)) return false;
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(path, { fileMustExist: true });
    db.pragma('busy_timeout = 0');
    // In WAL mode every open connection holds a shared lock on the file while it is open, idle or
    // not; an exclusive lock is granted only when no other one is.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY')) return true;
    throw e;
  } finally {
    db?.close();
  }
}

/** Pids of running `gatepost start` processes that name `configFile` (Linux /proc). */
export function gatewaysOfConfig(configFile: string): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const start = args.indexOf('start');
    if (start < 0 || !args.some((a) => a.endsWith('gatepost.js') || a.endsWith('gatepost'))) continue;
    const at = args.indexOf('--config', start);
    const cfg = at >= 0 ? args[at + 1] : undefined;
    if (cfg && resolve(cfg) === configFile) pids.push(Number(e));
  }
  return pids;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** `gatepost restore FROM`: a backup put back, its files checked first, the replaced ones kept aside. */
export async function restoreCommand(
  argv: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  if (wantsHelp(argv)) {
    out.write(USAGE);
    return 0;
  }
  let values: { config?: string; prefix?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { config: { type: 'string', short: 'c' }, prefix: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    err.write(`gatepost restore: ${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
  if (positionals.length !== 1 || !positionals[0]) {
    err.write(`gatepost restore: give the backup folder to restore\n\n${USAGE}`);
    return 2;
  }
  const from = resolve(positionals[0]);
  try {
    let manifest: BackupManifest;
    try {
      manifest = JSON.parse(readFileSync(join(from, MANIFEST), 'utf8')) as BackupManifest;
    } catch (e) {
      throw new Refused(`${from} is not a backup folder (${MANIFEST}: ${errorMessage(e)})`);
    }
    if (manifest.format !== BACKUP_FORMAT || !Array.isArray(manifest.files)) {
      throw new Refused(`${from}/${MANIFEST} is not of format ${BACKUP_FORMAT}`);
    }
    // Every file as the manifest says, before anything is touched.
    for (const f of manifest.files) {
      const inside = resolve(from, f.path);
      if (!inside.startsWith(`${from}/`))
        throw new Refused(`the manifest names ${f.path}, outside the backup`);
      if (!existsSync(inside)) throw new Refused(`${f.path} is missing from the backup`);
      const sum = sha256File(inside);
      if (sum !== f.sha256)
        throw new Refused(`${f.path} is not the file backed up (sha256 ${sum}, manifest ${f.sha256})`);
    }
    const prefix = values.prefix ? resolve(values.prefix) : undefined;
    const target = (f: ManifestFile): string => {
      if (f.role === 'config' && values.config) return resolve(values.config);
      return prefix ? join(prefix, f.original) : f.original;
    };
    const store = manifest.files.find((f) => f.role === 'store');
    const config = manifest.files.find((f) => f.role === 'config');
    if (!store || !config) throw new Refused('the backup has no store or no config');

    // Not under a running gateway.
    if (storeInUse(target(store))) {
      throw new Refused(
        `a process has the store ${target(store)} open: stop the gateway first (systemctl stop gatepost)`,
      );
    }
    const running = gatewaysOfConfig(target(config));
    if (running.length > 0) {
      throw new Refused(`a gateway runs on ${target(config)} (pid ${running.join(', ')}): stop it first`);
    }
    if (manifest.versions?.gatepost !== VERSION) {
      err.write(
        `gatepost restore: the backup was made by gatepost ${manifest.versions?.gatepost}, this is ${VERSION}; ` +
          'the store is migrated forward on start, never back\n',
      );
    }

    const when = stamp();
    const asRoot = process.getuid?.() === 0;
    const aside: string[] = [];
    const put: string[] = [];
    for (const f of manifest.files) {
      const dest = target(f);
      mkdirSync(dirname(dest), { recursive: true });
      const tmp = `${dest}.restoring-${process.pid}`;
      copyFileSync(join(from, f.path), tmp);
      chmodSync(tmp, f.mode);
      if (asRoot) chownSync(tmp, f.uid, f.gid);
      fsyncPath(tmp);
      // The store's -wal and -shm belong to the file they sit beside: they go aside with it (a
      // WAL left there would be played into the restored store).
      const olds = f.role === 'store' ? [dest, `${dest}-wal`, `${dest}-shm`] : [dest];
      for (const old of olds) {
        if (!existsSync(old)) continue;
        renameSync(old, `${old}.replaced-${when}`);
        aside.push(`${old}.replaced-${when}`);
      }
      renameSync(tmp, dest);
      fsyncPath(dirname(dest));
      put.push(`  ${f.role.padEnd(26)} ${dest}`);
    }
    out.write(
      `restored ${from} (site ${manifest.site}, taken ${manifest.createdAt} on ${manifest.host}, ` +
        `${manifest.records} records)\n${put.join('\n')}\n` +
        (aside.length > 0 ? `kept aside:\n${aside.map((a) => `  ${a}`).join('\n')}\n` : '') +
        (manifest.missing?.length
          ? `not in the backup (they were not there): ${manifest.missing.map((m) => m.original).join(', ')}\n`
          : '') +
        `next: gatepost check-config ${target(config)}, then start the gateway\n`,
    );
    return 0;
  } catch (e) {
    err.write(`gatepost restore: ${errorMessage(e)}\n`);
    return 1;
  }
}
