import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository root: children run from here, so `--import tsx` resolves. */
export const ROOT = resolve(import.meta.dirname, '../..');

/** A message a bench child sends over IPC: `{ type, ... }`. */
export interface ChildMessage {
  type: string;
  [key: string]: unknown;
}

export interface BenchChild {
  readonly child: ChildProcess;
  readonly pid: number;
  /** performance.now() of the parent just before the spawn. */
  readonly spawnedAt: number;
  /** Resolves with the first message of this type (received from now or already). */
  next(type: string, timeoutMs?: number): Promise<ChildMessage & { receivedAt: number }>;
  send(message: ChildMessage): void;
  /** What the child wrote to stderr (the tail). */
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<BenchChild>();

/**
 * Runs a TypeScript file as a child process (`node --import tsx file args`), with an IPC channel
 * for its messages. Every child is tracked, so `stopAllChildren()` can end them by PID if the
 * harness fails halfway. `bundled`: built into one module first, as the `gatepost` command runs
 * (bin/run-bundled.js), for the gateway's own process. `release`: a release build's folder
 * (bench/release-start-bench.ts) whose module of `file` runs instead, as an installed release runs.
 */
export function spawnBenchChild(
  file: string,
  args: string[] = [],
  options: {
    env?: NodeJS.ProcessEnv;
    nodeArgs?: string[];
    bundled?: boolean;
    nice?: number;
    release?: { dir: string; entries: Record<string, string> };
  } = {},
): BenchChild {
  const spawnedAt = performance.now();
  const loader = options.bundled ? [resolve(ROOT, 'bin/run-bundled.js')] : ['--import', 'tsx'];
  const built = options.release?.entries[file];
  const argv = built
    ? [...(options.nodeArgs ?? []), resolve(options.release?.dir ?? '', built), ...args]
    : [...(options.nodeArgs ?? []), ...loader, resolve(ROOT, file), ...args];
  // `nice` execs node in place: the child's PID is node's.
  const child = spawn(
    options.nice ? 'nice' : process.execPath,
    options.nice ? ['-n', String(options.nice), process.execPath, ...argv] : argv,
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: {
        ...process.env,
        GATEPOST_LOG_LEVEL: 'warn',
        ...(built ? { GATEPOST_DIST: options.release?.dir } : {}),
        ...options.env,
      },
    },
  );
  if (child.pid === undefined) throw new Error(`cannot start ${file}`);
  const received: (ChildMessage & { receivedAt: number })[] = [];
  const waiters = new Set<{ type: string; resolve: (m: ChildMessage & { receivedAt: number }) => void }>();
  let errTail = '';
  child.stderr?.on('data', (c: Buffer) => {
    errTail = (errTail + c.toString()).slice(-8000);
  });
  child.on('message', (raw) => {
    const m = { ...(raw as ChildMessage), receivedAt: performance.now() };
    received.push(m);
    for (const w of waiters) {
      if (w.type !== m.type) continue;
      waiters.delete(w);
      w.resolve(m);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => res({ code, signal })),
  );
  const handle: BenchChild = {
    child,
    pid: child.pid,
    spawnedAt,
    next(type, timeoutMs = 60_000) {
      const have = received.find((m) => m.type === type);
      if (have) {
        received.splice(received.indexOf(have), 1);
        return Promise.resolve(have);
      }
      return new Promise((res, rej) => {
        const w = {
          type,
          resolve: (m: ChildMessage & { receivedAt: number }) => {
            clearTimeout(timer);
            received.splice(received.indexOf(m), 1);
            res(m);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          rej(new Error(`${file}: no "${type}" message within ${timeoutMs} ms\n${errTail}`));
        }, timeoutMs);
        waiters.add(w);
        void exited.then(({ code, signal }) => {
          if (!waiters.delete(w)) return;
          clearTimeout(timer);
          rej(new Error(`${file} exited (${code ?? signal}) before sending "${type}"\n${errTail}`));
        });
      });
    },
    send(message) {
      // A child that has just died (EPIPE) has nothing more to be told; its exit says why.
      if (child.connected) child.send(message, () => undefined);
    },
    stderr: () => errTail,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      live.delete(handle);
    },
  };
  live.add(handle);
  return handle;
}

/** Stops every child still running (by PID), e.g. after a failure. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop(3000)));
}

/** In a child: sends a message to the parent (no-op without an IPC channel). */
export function tellParent(message: ChildMessage): void {
  process.send?.(message);
}

/** In a child: resolves on the parent's message of this type, or SIGTERM/SIGINT, or a lost parent. */
export function untilParentSays(type: string): Promise<ChildMessage | undefined> {
  return new Promise((res) => {
    const done = (m: ChildMessage | undefined) => {
      process.off('message', onMessage);
      res(m);
    };
    const onMessage = (m: unknown) => {
      if ((m as ChildMessage)?.type === type) done(m as ChildMessage);
    };
    process.on('message', onMessage);
    process.once('SIGTERM', () => done(undefined));
    process.once('SIGINT', () => done(undefined));
    process.once('disconnect', () => done(undefined));
  });
}
