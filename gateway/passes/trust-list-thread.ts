import type { KeyObject } from 'node:crypto';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { startWorker } from '../../core/worker-code.ts';
import type { Dsc } from './dsc.ts';
import { type TrustListSkipped, type TrustStore, trustListError } from './trust-list.ts';

/**
 * Loads a trust list on a thread of its own (trust-list-worker.ts), so that the lanes' event loop
 * keeps serving scans while a 16 MiB list is read, parsed and imported. Measured on a 15.3 MB list
 * of 7,000 DSCs: the old in-thread load held the event loop for ~2 s in one piece.
 *
 * Budgets, enforced here:
 * - time: the whole load ends within TRUST_LOAD_TIMEOUT_MS, or the thread is stopped and the load
 *   fails; the calling thread is only ever busy taking one batch of TRUST_LOAD_BATCH DSCs;
 * - memory: the thread's V8 heap is capped (TRUST_LOAD_HEAP_MB); past that it is stopped and the
 *   load fails, never the gateway. The thread ends after each load, giving its memory back.
 */
const TRUST_LOAD_TIMEOUT_MS = 30_000;
const TRUST_LOAD_BATCH = 100;
/** The loading thread's nice value: on a busy box the lanes' thread is scheduled first. */
const TRUST_LOAD_NICE = 10;
export const TRUST_LOAD_HEAP_MB = 192;

export interface TrustListThreadData {
  path: string;
  batch: number;
  nice: number;
}

export type TrustListThreadMessage =
  | { type: 'dsc'; dsc: Dsc[] }
  | { type: 'done'; keys: { kid: string; key: KeyObject }[]; skipped: TrustListSkipped }
  | { type: 'failed'; message: string };

const ENTRY = new URL('./trust-list-worker.ts', import.meta.url);

/** Reads, validates and imports the trust list `file` on a worker thread; throws a GatepostError (710). */
export async function loadTrustListInThread(file: string, log: Logger): Promise<TrustStore> {
  const data: TrustListThreadData = { path: file, batch: TRUST_LOAD_BATCH, nice: TRUST_LOAD_NICE };
  const worker = await startWorker(ENTRY, log, {
    workerData: data,
    name: 'gatepost-trust-list',
    resourceLimits: { maxOldGenerationSizeMb: TRUST_LOAD_HEAP_MB },
  });
  const dscByKid = new Map<string, Dsc[]>();
  return new Promise<TrustStore>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: TrustStore | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(
      () => finish(trustListError(`trust list ${file} took over ${TRUST_LOAD_TIMEOUT_MS} ms to load`)),
      TRUST_LOAD_TIMEOUT_MS,
    );
    worker.on('message', (m: TrustListThreadMessage) => {
      if (m.type === 'dsc') {
        for (const dsc of m.dsc) {
          const list = dscByKid.get(dsc.kid);
          if (list) list.push(dsc);
          else dscByKid.set(dsc.kid, [dsc]);
        }
        worker.postMessage('next');
      } else if (m.type === 'done') {
        const gp1Keys = new Map<string, KeyObject[]>();
        for (const { kid, key } of m.keys) gp1Keys.set(kid, [...(gp1Keys.get(kid) ?? []), key]);
        finish({ available: true, gp1Keys, dscByKid, skipped: m.skipped });
      } else {
        finish(trustListError(m.message, { path: file }));
      }
    });
    worker.on('error', (err) =>
      finish(
        trustListError(`trust list ${file}: its loading thread failed: ${errorMessage(err)}`, { path: file }),
      ),
    );
    worker.on('exit', (code) =>
      finish(
        trustListError(`trust list ${file}: its loading thread ended (${code}) before the list`, {
          path: file,
        }),
      ),
    );
  });
}
