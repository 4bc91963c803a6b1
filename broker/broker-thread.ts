import type { Worker } from 'node:worker_threads';
import { Backoff } from '../core/backoff.ts';
import { ErrorCode, errorMessage, GatepostError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { startWorker } from '../core/worker-code.ts';
import type { BrokerAddresses } from './broker-addresses.ts';
import type { BrokerCountsSnapshot } from './broker-counts.ts';
import { BROKER_THREAD_NAME, takeEarlyBrokerThread } from './broker-early-thread.ts';
import { brokerMetricsText } from './broker-series.ts';
import type { RefusalKind } from './counters.ts';
import type { EmbeddedBrokerOptions } from './embedded-broker.ts';
import type { LocalBroker, StaffTokenIssuer } from './local-broker-handle.ts';
import { fillLengthCacheLater } from './mqtt-packet-lengths.ts';
import { dropMqttNumberCache } from './mqtt-packet-numbers.ts';
import type { RunSecrets } from './security.ts';
import type { IssueResult } from './staff-sign-in.ts';

/** What the broker thread is started with (structured-cloned to it). */
export interface BrokerWorkerData {
  options: Omit<EmbeddedBrokerOptions, 'log' | 'metrics' | 'aedes' | 'secrets'>;
  logLevel: string;
  nice: number;
  secrets: RunSecrets;
}

/** Sent to a thread begun early (broker-early-thread.ts) instead of its workerData. */
export interface BrokerWorkerStart {
  type: 'start';
  data: BrokerWorkerData;
}

export type BrokerCall = {
  id: number;
  method: 'signIn' | 'refresh' | 'refusals' | 'metrics' | 'close';
  args: string[];
};

interface Ready extends BrokerAddresses {
  type: 'ready';
  priority: string;
}

export type WorkerMessage =
  | Ready
  | { type: 'failed'; error: { message: string; code?: ErrorCode } }
  | { type: 'log'; line: string }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };

export interface BrokerThreadOptions
  extends Omit<EmbeddedBrokerOptions, 'log' | 'metrics' | 'aedes' | 'secrets'> {
  /** The gateway's logger: the thread's lines are relayed to it, at its level. */
  log: Logger;
  /** Niceness of the broker's thread (0-19). */
  nice: number;
  secrets: RunSecrets;
  /** Waits between restarts of a broker thread that died (default 1 s doubling to 30 s). */
  restart?: { initialMs: number; maxMs: number };
}

const ENTRY = new URL('./broker-worker.ts', import.meta.url);

// The gateway's own MQTT client (gateway/mqtt) runs on this, the main thread: no 6 MB cache of
// encoded packet ids in its isolate (mqtt-packet-numbers.ts). The broker's thread does the same.
dropMqttNumberCache();
// and its encoded lengths filled at once, so they do not pin a Buffer pool slab each (mqtt-packet-lengths.ts).
fillLengthCacheLater();

const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** Starts the embedded broker on a worker thread; resolves once it listens, rejects if it cannot. */
export async function startBrokerThread(o: BrokerThreadOptions): Promise<LocalBroker> {
  const t = new BrokerThread(o);
  await t.start();
  return t;
}

/**
 * The embedded broker on a worker thread of its own: the MQTT traffic (a page, a subscriber to
 * everything, a client publishing as fast as it can) is parsed, authorised and fanned out on
 * that thread's event loop, at a lower scheduling priority, while the lanes keep the gateway's
 * event loop to themselves. The gateway talks to it over MQTT like any client.
 *
 * If the thread dies, the broker is started again on the same ports with the same secrets
 * (clients reconnect, and the gateway's own client and the pages' tokens are let in again),
 * after a backoff; calls made while it is down fail with BrokerUnavailable.
 */
class BrokerThread implements LocalBroker {
  readonly runs = 'thread';
  readonly tokens: StaffTokenIssuer;
  private ready: Ready | undefined;
  private worker: Worker | undefined;
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closing: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly log: Logger;

  constructor(private readonly o: BrokerThreadOptions) {
    this.log = o.log;
    this.backoff = new Backoff(o.restart ?? { initialMs: 1000, maxMs: 30_000 });
    this.tokens = {
      signIn: (staffId, pin) => this.call('signIn', [staffId, pin]) as Promise<IssueResult>,
      refresh: (token) => this.call('refresh', [token]) as Promise<IssueResult>,
    };
  }

  get tcpPort() {
    return this.ready?.tcpPort;
  }
  get wsPort() {
    return this.ready?.wsPort;
  }
  get tlsPort() {
    return this.ready?.tlsPort;
  }
  get wssPort() {
    return this.ready?.wssPort;
  }
  get url() {
    return this.ready?.url;
  }
  get gatewayCredentials() {
    if (!this.ready) throw new GatepostError(ErrorCode.BrokerUnavailable, 'the broker has not started');
    return this.ready.gatewayCredentials;
  }

  async start(): Promise<void> {
    this.ready = await this.spawn(this.o);
    this.log.info({ tcpPort: this.ready.tcpPort, priority: this.ready.priority }, 'broker thread ready');
  }

  refusals(): Promise<Record<RefusalKind, number>> {
    return this.call('refusals', []) as Promise<Record<RefusalKind, number>>;
  }

  /** The thread sends its counts; its series are made here (the thread loads no prom-client). */
  async metricsText(): Promise<string> {
    return brokerMetricsText((await this.call('metrics', [])) as BrokerCountsSnapshot);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearTimeout(this.restartTimer);
      const w = this.worker;
      if (!w) return;
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      try {
        await this.call('close', []);
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, 'broker thread did not close cleanly; ending it');
      }
      // Closed: the thread ends by itself; end it if it lingers (a socket Aedes did not let go).
      const linger = setTimeout(() => void w.terminate(), 2000);
      await exited;
      clearTimeout(linger);
    })();
    return this.closing;
  }

  private call(method: BrokerCall['method'], args: string[]): Promise<unknown> {
    const w = this.worker;
    if (!w || (this.closing && method !== 'close'))
      return Promise.reject(new GatepostError(ErrorCode.BrokerUnavailable, 'the broker is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      w.postMessage({ id, method, args } satisfies BrokerCall);
    });
  }

  /** Starts one worker; resolves on its `ready`, rejects on its failure to start. */
  private async spawn(o: BrokerThreadOptions): Promise<Ready> {
    const { log, nice, secrets, restart: _restart, ...options } = o;
    const data: BrokerWorkerData = { options, logLevel: log.level, nice, secrets };
    // The thread begun as the process started (broker-early-thread.ts) has its modules loaded
    // already; if it died before its broker started, a new thread takes its place.
    const early = takeEarlyBrokerThread();
    if (early) {
      early.postMessage({ type: 'start', data } satisfies BrokerWorkerStart);
      const run = this.run(early);
      try {
        return await run.ready;
      } catch (e) {
        if (!run.died()) throw e;
        log.warn({ err: errorMessage(e) }, 'the broker thread begun at start died; starting another');
      }
    }
    return this.run(await startWorker(ENTRY, log, { workerData: data, name: BROKER_THREAD_NAME })).ready;
  }

  /** Runs one worker; `ready` resolves on its `ready`, rejects on its failure to start (`died`: it ended). */
  private run(worker: Worker): { ready: Promise<Ready>; died: () => boolean } {
    this.worker = worker;
    let died = false;
    const ready = new Promise<Ready>((resolve, reject) => {
      let started = false;
      worker.on('message', (m: WorkerMessage) => {
        switch (m.type) {
          case 'ready':
            started = true;
            resolve(m);
            return;
          case 'failed':
            reject(new GatepostError(m.error.code ?? ErrorCode.ListenFailed, m.error.message));
            return;
          case 'log':
            this.relayLog(m.line);
            return;
          case 'reply': {
            const c = this.calls.get(m.id);
            this.calls.delete(m.id);
            if (m.ok) c?.resolve(m.value);
            else c?.reject(new GatepostError(ErrorCode.BrokerUnavailable, m.error));
          }
        }
      });
      worker.on('error', (err) => {
        this.log.error({ err: errorMessage(err) }, 'broker thread failed');
        if (started) return;
        died = true;
        reject(new GatepostError(ErrorCode.ListenFailed, `broker thread: ${errorMessage(err)}`));
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        for (const c of this.calls.values())
          c.reject(new GatepostError(ErrorCode.BrokerUnavailable, 'the broker thread ended'));
        this.calls.clear();
        if (!started) {
          died = true;
          reject(new GatepostError(ErrorCode.ListenFailed, `broker thread ended (exit code ${code})`));
        } else if (!this.closing) {
          this.scheduleRestart(`exit code ${code}`);
        }
      });
    });
    return { ready, died: () => died };
  }

  /** The broker died while the gateway runs: start it again on the ports it had. */
  private scheduleRestart(why: string): void {
    const wait = this.backoff.next();
    this.log.error({ why, restartInMs: wait }, 'broker thread ended unexpectedly; restarting it');
    this.restartTimer = setTimeout(() => {
      const r = this.ready;
      const pin = <L extends { port: number }>(l: L, port: number | undefined): L => ({
        ...l,
        port: port ?? l.port,
      });
      const o: BrokerThreadOptions = {
        ...this.o,
        tcp: pin(this.o.tcp, r?.tcpPort),
        websocket: pin(this.o.websocket, r?.wsPort),
        ...(this.o.tls
          ? {
              tls: {
                ...this.o.tls,
                tcp: pin(this.o.tls.tcp, r?.tlsPort),
                websocket: pin(this.o.tls.websocket, r?.wssPort),
              },
            }
          : {}),
      };
      this.spawn(o).then(
        (ready) => {
          if (this.closing) return;
          this.ready = ready;
          this.backoff.reset();
          this.log.warn({ tcpPort: ready.tcpPort }, 'broker thread restarted');
        },
        (err: unknown) => {
          if (this.closing) return;
          this.log.error({ err: errorMessage(err) }, 'broker thread could not restart');
          this.scheduleRestart('restart failed');
        },
      );
    }, wait);
  }

  /** A log line of the broker thread (pino's JSON, broker-log.ts) through the gateway's logger. */
  private relayLog(line: string): void {
    try {
      const { level, msg, time: _t, pid: _p, hostname: _h, app: _a, ...fields } = JSON.parse(line);
      this.log[LEVELS[level as number] ?? 'info'](fields, String(msg ?? ''));
    } catch {
      this.log.warn({ line: line.slice(0, 200) }, 'unreadable log line from the broker thread');
    }
  }
}
