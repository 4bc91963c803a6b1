import { type ChildProcess, spawn } from 'node:child_process';
import { lstat, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ErrorCode, GatepostError } from '../../core/errors.ts';

/**
 * A pair of pseudo-terminals joined by socat: bytes written at one end come out of the other,
 * as on a null-modem cable. socat makes a symlink at each path to its `/dev/pts/N` and removes
 * both when it exits. A PTY ignores the baud rate: whoever plays the device paces its bytes.
 */
export interface PtyPair {
  /** Absolute path of one end (the symlink socat made). */
  readonly a: string;
  /** Absolute path of the other end. */
  readonly b: string;
  readonly pid: number;
  /** True once socat has exited (closed by us or died). */
  readonly exited: boolean;
  /** Stops socat by its PID (SIGTERM, SIGKILL after 2 s) and waits for it to exit. Idempotent. */
  close(): Promise<void>;
}

export interface PtyPairOptions {
  /** How long to wait for socat to make both links. */
  timeoutMs?: number;
  socatPath?: string;
}

/** Every socat still running, killed if this process exits without closing them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts `socat -d -d pty,raw,echo=0,link=<a> pty,raw,echo=0,link=<b>` and resolves once
 * socat reports its transfer loop and both links exist. A stale symlink at either path is
 * replaced by socat; anything else there (a real device node, a file) is never touched.
 * Rejects with GatepostError PortOpenFailed if socat is missing or fails, or a path is taken.
 */
export async function spawnPtyPair(a: string, b: string, options: PtyPairOptions = {}): Promise<PtyPair> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const pathA = resolve(a);
  const pathB = resolve(b);
  for (const p of [pathA, pathB]) {
    // socat splits addresses on these characters; refuse rather than open something else.
    if (/[,:!\s]/.test(p)) throw new RangeError(`PTY link path must not contain , : ! or spaces: ${p}`);
  }
  for (const p of [pathA, pathB]) await refuseNonLink(p);
  await mkdir(dirname(pathA), { recursive: true });
  await mkdir(dirname(pathB), { recursive: true });

  const child = spawn(
    options.socatPath ?? 'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${pathA}`, `pty,raw,echo=0,link=${pathB}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  installExitHook();
  live.add(child);
  let exited = false;
  const exitPromise = new Promise<void>((done) => {
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      done();
    });
    child.once('error', () => {
      exited = true;
      live.delete(child);
      done();
    });
  });

  let log = '';
  const ready = new Promise<void>((done, fail) => {
    const timer = setTimeout(
      () => fail(new GatepostError(ErrorCode.SimLinkFailed, `socat did not start within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const finish = (err?: Error) => {
      clearTimeout(timer);
      child.stderr?.removeListener('data', onLog);
      if (err) fail(err);
      else done();
    };
    const onLog = (chunk: Buffer) => {
      if (log.length < 4096) log += chunk.toString('utf8');
      if (log.includes('starting data transfer loop')) finish();
    };
    child.stderr?.on('data', onLog);
    child.once('error', (err) => finish(err));
    child.once('exit', (code, signal) =>
      finish(
        new GatepostError(ErrorCode.SimLinkFailed, `socat exited (${signal ?? code}) before it was ready`),
      ),
    );
  });
  const close = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => {
      if (!exited) child.kill('SIGKILL');
    }, 2000);
    await exitPromise;
    clearTimeout(killer);
  };

  try {
    await ready;
    await waitForLinks([pathA, pathB], timeoutMs);
  } catch (e) {
    await close();
    const hint = (e as NodeJS.ErrnoException).code === 'ENOENT' ? ' (is socat installed?)' : '';
    throw new GatepostError(
      ErrorCode.PortOpenFailed,
      `cannot make a PTY pair ${pathA} <-> ${pathB}${hint}: ${(e as Error).message}${log ? `\n${log.trim()}` : ''}`,
      { a: pathA, b: pathB },
      { cause: e },
    );
  }
  child.stderr?.resume(); // keep draining socat's log so it never blocks on a full pipe

  return {
    a: pathA,
    b: pathB,
    pid: child.pid ?? -1,
    get exited() {
      return exited;
    },
    close,
  };
}

/** socat would unlink whatever is at a link path: allow only nothing or a symlink there. */
async function refuseNonLink(path: string): Promise<void> {
  let isLink: boolean;
  try {
    isLink = (await lstat(path)).isSymbolicLink();
  } catch {
    return; // nothing there
  }
  if (!isLink) {
    throw new GatepostError(
      ErrorCode.PortOpenFailed,
      `${path} exists and is not a symlink; not replacing it with a PTY`,
      {
        path,
      },
    );
  }
}

async function waitForLinks(paths: string[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (const p of paths) {
    for (;;) {
      try {
        await lstat(p);
        break;
      } catch {
        if (performance.now() > deadline)
          throw new GatepostError(ErrorCode.SimLinkFailed, `link ${p} did not appear`);
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** PIDs of the socat processes this process started and that are still running. */
export function liveSocatPids(): number[] {
  return [...live].map((c) => c.pid ?? -1).filter((pid) => pid > 0);
}
