import { Worker } from 'node:worker_threads';

/**
 * The embedded broker's thread begun as the process starts, before the gateway's own modules are
 * loaded (bin/gatepost.js `start`, from a release build): the thread loads Aedes and the broker's
 * modules (~0.5 s of a CPU) while the main thread loads the gateway's, instead of after them. It
 * waits, listening on nothing, for the options its broker starts with; broker-thread.ts takes it
 * over when the gateway starts its broker (`{ type: 'start', data }`), or starts a thread of its
 * own if there is none or it died. A gateway that does not run the broker on a thread (external
 * broker, broker.thread.enabled false) ends it (dropEarlyBrokerThread).
 *
 * This module is a release entry of its own (bin/bundle.js DIST_ENTRIES) and imports nothing of
 * the project, so bin/gatepost.js can load it without loading the gateway.
 */
export const BROKER_THREAD_NAME = 'gatepost-broker';

/** The workerData of a thread begun early: its options come later, in a `start` message. */
export interface EarlyBrokerWorkerData {
  early: true;
}

let early: { worker: Worker; dead: boolean } | undefined;

/** Starts the broker's thread on `url` (its built module) now; a second call returns the first's. */
export function startEarlyBrokerThread(url: URL): Worker {
  if (early) return early.worker;
  const worker = new Worker(url, {
    workerData: { early: true } satisfies EarlyBrokerWorkerData,
    name: BROKER_THREAD_NAME,
  });
  const held = { worker, dead: false };
  // Until it is taken over, a thread that fails to load is only marked: a fresh one is started then.
  const died = () => {
    held.dead = true;
  };
  worker.on('error', died);
  worker.once('exit', died);
  // A process that ends before its broker starts (a bad config) is not held up by it.
  worker.unref();
  early = held;
  return worker;
}

/** The thread begun early, if it is still alive; taken once (a restarted broker starts its own). */
export function takeEarlyBrokerThread(): Worker | undefined {
  const held = early;
  early = undefined;
  if (!held) return undefined;
  if (held.dead) {
    void held.worker.terminate();
    return undefined;
  }
  held.worker.removeAllListeners('error');
  held.worker.removeAllListeners('exit');
  held.worker.ref();
  return held.worker;
}

/** Ends the thread begun early, if any: this gateway does not run its broker on a thread. */
export function dropEarlyBrokerThread(): void {
  const held = early;
  early = undefined;
  void held?.worker.terminate();
}
