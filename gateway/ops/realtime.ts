import type { Logger } from '../../core/logger.ts';
import { schedulingOf, setRoundRobin } from '../../core/thread-scheduling.ts';

export interface RealtimeConfig {
  enabled: boolean;
  priority: number;
}

export interface RealtimeOutcome {
  /** The lanes' event loop (the main thread) runs under SCHED_RR at this priority. */
  priority: number | undefined;
  /** Why it does not, when it was asked to. */
  failure: string | undefined;
}

/**
 * Real-time scheduling for the lanes (docs/operations.md: latency under load). A scan's
 * decision and its barrier command wait on the gateway's event loop getting a CPU; under the
 * normal policy it takes turns with every busy process on the box (50 MQTT subscribers, a flood
 * publisher, a shell), and a turn can cost several milliseconds. Under SCHED_RR it runs as soon
 * as it is ready. Only the main thread is raised: the broker's thread keeps the normal policy and
 * its high nice value, so that a flood of MQTT traffic yields to everything else, and libuv's
 * pool and V8's helper threads stay at the process's nice value (raising them too measured
 * worse: they then crowd out the kernel's own workers, which finish the lanes' fsyncs and serial
 * transfers). The reset-on-fork flag makes threads started later (a restarted broker thread)
 * begin under the normal policy.
 *
 * A real-time thread that spun would starve the box of one core: the kernel keeps 5 % of each
 * second for normal tasks anyway (/proc/sys/kernel/sched_rt_runtime_us), and a hung event loop
 * stops the systemd watchdog's pings, which restarts the service.
 */
export async function raiseToRealtime(config: RealtimeConfig, log: Logger): Promise<RealtimeOutcome> {
  if (!config.enabled || process.platform !== 'linux') return { priority: undefined, failure: undefined };
  const failure = await setRoundRobin(process.pid, config.priority);
  const now = schedulingOf(process.pid);
  const priority = now?.policy === 'rr' ? now.rtPriority : undefined;
  if (priority === undefined) {
    log.warn(
      { reason: failure },
      'lanes not under real-time scheduling (needs CAP_SYS_NICE or LimitRTPRIO); running at normal priority',
    );
  } else {
    log.info({ priority }, 'lanes under real-time scheduling (SCHED_RR)');
  }
  return { priority, failure: priority === undefined ? (failure ?? 'policy unchanged') : undefined };
}
