import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ThreadScheduling } from '../../core/thread-scheduling.ts';
import type { RealtimeOutcome } from '../../gateway/ops/realtime.ts';

const CHILD = fileURLToPath(new URL('./support/realtime-child.ts', import.meta.url));
const INHERIT_CHILD = fileURLToPath(new URL('./support/inherit-child.ts', import.meta.url));

interface Report {
  outcome: RealtimeOutcome;
  main: number;
  before: number;
  later: number;
  threads: Record<string, ThreadScheduling>;
}

/** Runs support/realtime-child.ts (never the test runner itself real-time). */
function run(priority: number, env: NodeJS.ProcessEnv = process.env): Report {
  const out = execFileSync(process.execPath, ['--import', 'tsx', CHILD, String(priority)], {
    env,
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1) as string) as Report;
}

/** Whether this machine lets a process raise itself (root or CAP_SYS_NICE, as the CI box). */
function realtimeAllowed(): boolean {
  try {
    execFileSync('chrt', ['--rr', '1', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('real-time scheduling of the lanes’ event loop (ops.realtime)', () => {
  it.runIf(realtimeAllowed())(
    'puts the main thread under SCHED_RR at the priority; the other threads, and threads started later, keep the normal policy',
    () => {
      const r = run(12);
      expect(r.outcome).toEqual({ priority: 12, failure: undefined });
      expect(r.threads[r.main]).toMatchObject({ policy: 'rr', rtPriority: 12 });
      expect(r.threads[r.before]).toMatchObject({ policy: 'other', rtPriority: 0 });
      // Started by the raised thread: reset-on-fork gave it the normal policy.
      expect(r.threads[r.later]).toMatchObject({ policy: 'other', rtPriority: 0 });
      const others = Object.entries(r.threads).filter(([tid]) => Number(tid) !== r.main);
      expect(others.length).toBeGreaterThan(2);
      for (const [, s] of others) expect(s.policy).toBe('other');
    },
  );

  it.runIf(realtimeAllowed())(
    'setRoundRobin with `inherit` lets the processes the thread starts keep the policy (the bench simulator and its socat relays); by default they begin normal',
    () => {
      const child = (mode: string) =>
        JSON.parse(
          execFileSync(process.execPath, ['--import', 'tsx', INHERIT_CHILD, '7', mode], {
            encoding: 'utf8',
          }).trim(),
        ) as { failure: string | undefined; child: string };
      const inherited = child('inherit');
      expect(inherited.failure).toBeUndefined();
      expect(inherited.child).toMatch(/policy: SCHED_RR\b/);
      expect(inherited.child).toMatch(/priority: 7\b/);
      const reset = child('reset');
      expect(reset.failure).toBeUndefined();
      expect(reset.child).toMatch(/policy: SCHED_OTHER\b/);
    },
  );

  it('without chrt it says why and changes nothing', () => {
    const r = run(12, { ...process.env, PATH: '/nonexistent' });
    expect(r.outcome.priority).toBeUndefined();
    expect(r.outcome.failure).toMatch(/ENOENT/);
    for (const s of Object.values(r.threads)) expect(s.policy).toBe('other');
  });
});
