import { Worker } from 'node:worker_threads';

/**
 * The machine's own stalls, apart from the gateway's: a thread of the bench's process that asks
 * to sleep 1 ms (Atomics.wait, no event loop, no allocation) and records by how much longer each
 * sleep took. On an idle box that is a few microseconds; what it sees beyond that is the CPU
 * taken away from a ready thread (other processes, the kernel, frequency changes), which every
 * latency measured at the same time also suffers. Labelled by phase like the latency probe.
 */
export interface StallFigures {
  /** Samples (1 ms sleeps) in the phase. */
  samples: number;
  /** Overshoot beyond the 1 ms asked, ms. */
  p99Ms: number;
  maxMs: number;
  /** Sleeps that overshot by 5 ms or more. */
  over5Ms: number;
}

const SAMPLER = `
const { parentPort } = require('node:worker_threads');
const { receiveMessageOnPort } = require('node:worker_threads');
const cell = new Int32Array(new SharedArrayBuffer(4));
let phase = '';
const byPhase = new Map();
for (;;) {
  const m = receiveMessageOnPort(parentPort);
  if (m) {
    if (m.message.type === 'phase') phase = m.message.name;
    else if (m.message.type === 'report') {
      parentPort.postMessage(Object.fromEntries(byPhase));
      byPhase.clear();
    } else if (m.message.type === 'stop') break;
  }
  const t0 = performance.now();
  Atomics.wait(cell, 0, 0, 1);
  const over = performance.now() - t0 - 1;
  if (!phase) continue;
  let list = byPhase.get(phase);
  if (!list) byPhase.set(phase, (list = []));
  list.push(Math.max(0, over));
}
`;

export class StallSampler {
  private readonly worker = new Worker(SAMPLER, { eval: true });

  phase(name: string): void {
    this.worker.postMessage({ type: 'phase', name });
  }

  /** Each phase's figures since the last report. */
  async report(): Promise<Record<string, StallFigures>> {
    const got = new Promise<Record<string, number[]>>((resolve) => this.worker.once('message', resolve));
    this.worker.postMessage({ type: 'report' });
    const raw = await got;
    const out: Record<string, StallFigures> = {};
    for (const [name, xs] of Object.entries(raw)) {
      const sorted = [...xs].sort((a, b) => a - b);
      const at = (p: number) =>
        sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
      out[name] = {
        samples: xs.length,
        p99Ms: Math.round(at(99) * 100) / 100,
        maxMs: Math.round((sorted.at(-1) ?? 0) * 100) / 100,
        over5Ms: xs.filter((x) => x >= 5).length,
      };
    }
    return out;
  }

  async stop(): Promise<void> {
    this.worker.postMessage({ type: 'stop' });
    await this.worker.terminate();
  }
}
