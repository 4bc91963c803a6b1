import { Worker } from 'node:worker_threads';
import { silentLogger } from '../../../core/logger.ts';
import { processThreadIds, schedulingOf } from '../../../core/thread-scheduling.ts';
import { raiseToRealtime } from '../../../gateway/ops/realtime.ts';

/**
 * A process for test/ops/realtime.test.ts, so that the test runner itself never runs real-time:
 * starts a worker thread (as the broker's is started before), raises the process as the gateway
 * does once started, starts one more thread afterwards (as a restarted broker thread would be),
 * and prints the outcome and every thread's scheduling as one JSON line.
 */
const priority = Number(process.argv[2] ?? 10);
const spawnWorker = () =>
  new Promise<{ worker: Worker; tid: number }>((resolve) => {
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').at(-1));
       parentPort.postMessage(tid);
       setInterval(() => {}, 1000);`,
      { eval: true },
    );
    worker.once('message', (tid: number) => resolve({ worker, tid }));
  });
const before = await spawnWorker();
const outcome = await raiseToRealtime({ enabled: true, priority }, silentLogger());
const later = await spawnWorker();
const threads = Object.fromEntries(processThreadIds().map((t) => [t, schedulingOf(t)]));
process.stdout.write(
  `${JSON.stringify({ outcome, main: process.pid, before: before.tid, later: later.tid, threads })}\n`,
);
process.exit(0);
