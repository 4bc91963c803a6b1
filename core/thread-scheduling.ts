import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Linux scheduling of this process's threads. Node offers a thread's nice value
 * (`os.setPriority`, which on Linux applies to the calling thread) but not its scheduling
 * policy; a policy is set with util-linux's `chrt` (in every Debian install) on a thread id.
 * Thread ids and policies are read from /proc, which any process may read of itself.
 */

/** Kernel scheduling policies (sched(7)), as /proc/<pid>/task/<tid>/stat numbers them. */
const POLICIES = ['other', 'fifo', 'rr', 'batch', 'iso', 'idle', 'deadline'] as const;
export type SchedPolicy = (typeof POLICIES)[number];

export interface ThreadScheduling {
  policy: SchedPolicy;
  /** Real-time priority, 1-99; 0 under the normal policies. */
  rtPriority: number;
  nice: number;
}

/** The ids of this process's threads now (the main thread's is the process id). */
export function processThreadIds(): number[] {
  return readdirSync('/proc/self/task')
    .map(Number)
    .filter((n) => Number.isInteger(n));
}

/** How a thread of this process is scheduled, or undefined if it has gone. */
export function schedulingOf(tid: number): ThreadScheduling | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces and parentheses): proc(5) numbers
  // them from 1 with pid and (comm) first, so field n is at index n - 3 here.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const field = (n: number) => Number(f[n - 3]);
  return {
    nice: field(19),
    rtPriority: field(40),
    policy: POLICIES[field(41)] ?? 'other',
  };
}

/**
 * Puts one thread under SCHED_RR at `priority` (1-99), by default with the reset-on-fork flag:
 * threads and processes it starts later (a restarted worker, say) begin under the normal policy;
 * `inherit` lets them keep it. Resolves with why it could not (no CAP_SYS_NICE or RLIMIT_RTPRIO,
 * no `chrt`), or undefined.
 */
export function setRoundRobin(
  tid: number,
  priority: number,
  options: { inherit?: boolean } = {},
): Promise<string | undefined> {
  const flags = options.inherit ? ['--rr'] : ['--rr', '--reset-on-fork'];
  return new Promise((resolve) => {
    execFile(
      'chrt',
      [...flags, '--pid', String(priority), String(tid)],
      { timeout: 5000 },
      (err, _out, stderr) => resolve(err ? stderr.trim() || err.message : undefined),
    );
  });
}
