import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * A real Mosquitto (Debian's 2.0.x) on a free loopback port, started with a config file written
 * here: `max_queued_messages 0` (no limit: the default of 1000 silently drops QoS 1 messages to a
 * slow subscriber), anonymous access, optional persistence in a temp dir so that a restart keeps
 * the subscribers' sessions and queues, like a production central broker. Stopped by PID.
 * Started as the current user (`user` option), so it can write into its own temp dir.
 */
export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** SIGTERM (persistence is saved), SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same persistence. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

export interface MosquittoOptions {
  /** Keep sessions and queued messages across a restart (default true). */
  persistence?: boolean;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  const persistence = opts.persistence ?? true;
  writeFileSync(
    conf,
    [
      // Started as root, Mosquitto would switch to user `mosquitto` and then silently fail to
      // write its persistence and log into this (root-owned) directory.
      `user ${userInfo().username}`,
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'max_queued_messages 0',
      'max_queued_bytes 0',
      'max_inflight_messages 100',
      `persistence ${persistence}`,
      `persistence_location ${dir}/`,
      'autosave_interval 1800',
      `log_dest file ${join(dir, 'mosquitto.log')}`,
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = async () => {
    const c = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
    child = c;
    exited = new Promise((resolve) => c.once('exit', () => resolve()));
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (c.exitCode !== null) throw new Error(`mosquitto exited with ${c.exitCode} (port ${port})`);
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    get running() {
      return !!child && child.exitCode === null && child.signalCode === null;
    },
    stop,
    restart: launch,
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
