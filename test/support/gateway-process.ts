import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');

/** The demo config with free ports and a fresh database in a temp dir, as a plain object to tweak. */
export function demoConfigForTest(): Record<string, any> {
  const raw = parseYaml(readFileSync(join(ROOT, 'config/demo.yaml'), 'utf8')) as Record<string, any>;
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-e2e-'));
  raw.broker.tcp = { host: '127.0.0.1', port: 0 };
  raw.broker.websocket = { host: '127.0.0.1', port: 0 };
  raw.web = { ...raw.web, host: '127.0.0.1', port: 0 };
  raw.ops = { host: '127.0.0.1', port: 0 };
  raw.storage = { path: join(dir, 'gatepost.db') };
  raw.passes = { ...raw.passes, trustListPath: join(dir, 'trust-list.json') };
  return raw;
}

/** The demo config for a gateway process that uses the test's own broker and no simulator. */
export function gatewayConfigFor(broker: { url: string | undefined }): Record<string, any> {
  const config = demoConfigForTest();
  config.broker.url = broker.url;
  config.simulation = { enabled: false };
  return config;
}

export interface GatewayProcess {
  child: ChildProcess;
  /** The config file it was started with. */
  configFile: string;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  /** Resolves with the first log line that matches. */
  waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  /** Resolves at its `gateway ready` log line. */
  ready(timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves once the yard's bays are retained on the broker (after ready: gateway/app.ts). */
  yardPublished(timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends `signal` (default SIGKILL) if it still runs; resolves once it has exited. For clean-ups. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs `gatepost start --config <file>` as a real child process; `root` is the install it runs
 * (default: this checkout; an installed release in test/release/).
 */
export function spawnGateway(config: Record<string, unknown>, root = ROOT): GatewayProcess {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-cfg-'));
  const file = join(dir, 'site.yaml');
  writeFileSync(file, toYaml(config));
  return spawnGatewayOnFile(file, root);
}

/**
 * Runs `gatepost start --config <file>` on a file the test keeps: started again on the same file,
 * as systemd would restart it (test/downlink: a config swap, a rollback).
 */
export function spawnGatewayOnFile(file: string, root = ROOT): GatewayProcess {
  const child = spawn(process.execPath, [join(root, 'bin/gatepost.js'), 'start', '--config', file], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GATEPOST_LOG_LEVEL: 'info' },
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: {
    match: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  let buffered = '';
  let errText = '';
  child.stderr?.on('data', (c: Buffer) => {
    errText += c.toString();
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf('\n');
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      logs.push(parsed);
      for (const w of [...waiters]) {
        if (w.match(parsed)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })),
  );
  return {
    child,
    configFile: file,
    logs,
    exited,
    stderr: () => errText,
    ready(timeoutMs = 30_000) {
      return this.waitForLog((l) => l.msg === 'gateway ready', timeoutMs);
    },
    yardPublished(timeoutMs = 30_000) {
      return this.waitForLog((l) => l.msg === 'yard bays published', timeoutMs);
    },
    async stop(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    waitForLog(match, timeoutMs = 15_000) {
      const found = logs.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolvePromise, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${errText.slice(-2000)}`)),
          timeoutMs,
        );
        waiters.push({
          match,
          resolve: (l) => {
            clearTimeout(timer);
            resolvePromise(l);
          },
        });
      });
    },
  };
}
