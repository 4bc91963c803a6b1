import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { ErrorCode, errorMessage, GatepostError } from '../../core/errors.ts';
import { buildTrustStore, readTrustListFile } from './trust-list.ts';
import type { TrustListThreadData, TrustListThreadMessage } from './trust-list-thread.ts';

/**
 * The thread that loads a trust list (started by trust-list-thread.ts, one per load): reads,
 * parses, validates and imports the file here, so that none of it holds the lanes' event loop,
 * then hands the document signers over in batches, the next one when the receiving thread asks
 * for it (so it takes each between its other tasks), and ends with the GP1 keys.
 */
const port = parentPort;
if (!port)
  throw new GatepostError(
    ErrorCode.Internal,
    'trust-list-worker.ts runs as a worker thread (trust-list-thread.ts starts it)',
  );
const data = workerData as TrustListThreadData;
const send = (m: TrustListThreadMessage) => port.postMessage(m);

try {
  // On Linux a nice value set by a thread applies to that thread only: the lanes' thread wins the CPU.
  setPriority(data.nice);
} catch {
  // Not allowed here (or not Linux): the load still runs, at the gateway's priority.
}
try {
  const store = await buildTrustStore(readTrustListFile(data.path), `trust list ${data.path}`);
  const all = [...store.dscByKid.values()].flat();
  const keys = [...store.gp1Keys].flatMap(([kid, list]) => list.map((key) => ({ kid, key })));
  const skipped = store.skipped ?? { duplicateDsc: 0, duplicateKeys: 0, crowdedKids: {} };
  // One batch per request: messages already queued are all taken in one task of the receiver.
  let next = 0;
  const sendNext = () => {
    if (next < all.length) send({ type: 'dsc', dsc: all.slice(next, next + data.batch) });
    else send({ type: 'done', keys, skipped });
    next += data.batch;
  };
  port.on('message', sendNext);
  sendNext();
} catch (e) {
  send({ type: 'failed', message: errorMessage(e) });
}
