import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/**
 * Budget measurements for the hostile-input tests (test/hostile/): how long an action took and
 * how much memory it needed above what the process used before it.
 */
export interface Measurement<T> {
  value: T;
  elapsedMs: number;
  /** Highest V8 heap seen during the action, minus the heap before it. */
  peakHeapMB: number;
  /** Highest resident set seen during the action, minus the RSS before it. */
  peakRssMB: number;
}

const MB = 1024 * 1024;

/**
 * Runs an async action in this process and samples heap and RSS every `sampleMs` meanwhile (and
 * once at its end). A sample can only be taken while the event loop turns: synchronous work
 * longer than a sample period is seen at its end only, so measure such work in a child process
 * (`runMeasured`). Collects garbage first when the test runs with --expose-gc.
 */
export async function measure<T>(action: () => Promise<T>, sampleMs = 5): Promise<Measurement<T>> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage();
  let peakHeap = before.heapUsed;
  let peakRss = before.rss;
  const sample = () => {
    const m = process.memoryUsage();
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
    if (m.rss > peakRss) peakRss = m.rss;
  };
  const timer = setInterval(sample, sampleMs);
  const t0 = performance.now();
  try {
    const value = await action();
    const elapsedMs = performance.now() - t0;
    sample();
    return {
      value,
      elapsedMs,
      peakHeapMB: (peakHeap - before.heapUsed) / MB,
      peakRssMB: (peakRss - before.rss) / MB,
    };
  } finally {
    clearInterval(timer);
  }
}

/** The peak resident set (VmHWM) of a live process, in MB; undefined once it is gone. */
export function peakRssOf(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The current resident set (VmRSS) of a live process, in MB; undefined once it is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall-clock time, spawn to exit: on a shared box, mostly waiting for a core. */
  elapsedMs: number;
  /** CPU time (user + system) the process used, as it reported at exit; NaN if it was killed. */
  cpuMs: number;
  /** Peak RSS as the process reported at exit (the kernel's maxrss), else the highest VmHWM polled. */
  peakRssMB: number;
  /** It was still running at `timeoutMs` and was killed. */
  timedOut: boolean;
}

const REPORT_USAGE = fileURLToPath(new URL('./report-usage.mjs', import.meta.url));

/**
 * Runs a Node script as a child process, killing it (SIGKILL) if it runs past `timeoutMs`, and
 * reports its exit, output, elapsed and CPU time and peak RSS (the child reports the last two
 * itself at exit, through report-usage.mjs on fd 3). Output is kept to its last 64 KiB.
 */
export function runMeasured(
  script: string,
  args: readonly string[],
  o: { timeoutMs: number } & SpawnOptions,
): Promise<ChildRun> {
  const { timeoutMs, ...spawnOpts } = o;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child: ChildProcess = spawn(process.execPath, ['--import', REPORT_USAGE, script, ...args], {
      ...spawnOpts,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let usage = '';
    const keep = (s: string) => (s.length > 65536 ? s.slice(-65536) : s);
    child.stdout?.on('data', (c: Buffer) => {
      stdout = keep(stdout + c.toString());
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderr = keep(stderr + c.toString());
    });
    (child.stdio[3] as Readable | null)?.on('data', (c: Buffer) => {
      usage += c.toString();
    });
    let polled = 0;
    let timedOut = false;
    const poll = setInterval(() => {
      const p = child.pid === undefined ? undefined : peakRssOf(child.pid);
      if (p !== undefined && p > polled) polled = p;
    }, 10);
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearInterval(poll);
      clearTimeout(killer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(killer);
      let reported: { cpuMs: number; maxRssMB: number } | undefined;
      try {
        reported = usage ? (JSON.parse(usage) as { cpuMs: number; maxRssMB: number }) : undefined;
      } catch {
        reported = undefined;
      }
      resolve({
        code,
        signal,
        stdout,
        stderr,
        elapsedMs: performance.now() - t0,
        cpuMs: reported?.cpuMs ?? Number.NaN,
        peakRssMB: reported?.maxRssMB ?? polled,
        timedOut,
      });
    });
  });
}
