import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventLoopMonitor } from './event-loop.ts';

export interface ProcessMetricsOptions {
  registry: Registry;
  loop: EventLoopMonitor;
  version: string;
  site: string;
  /** 1 once ready (see readiness.ts). */
  ready: () => boolean;
  /** The clock check's state: `synchronised`, `unverified` or `unsynchronised`. */
  clockState: () => string | undefined;
}

const CLOCK_STATES = ['synchronised', 'unverified', 'unsynchronised'] as const;

/**
 * The process itself: memory (RSS, heap), CPU, uptime, event-loop lag of the last window, and
 * the gateway's readiness and clock state. Own collectors rather than prom-client's default
 * metrics, whose event-loop monitor and GC observer cannot be stopped again.
 */
export function registerProcessMetrics(o: ProcessMetricsOptions): void {
  const registers = [o.registry];
  const startedAt = Date.now() / 1000;
  new Gauge({
    name: 'gatepost_info',
    help: 'Always 1; the labels name the version and the site',
    labelNames: ['version', 'site'],
    registers,
    collect() {
      this.set({ version: o.version, site: o.site }, 1);
    },
  });
  new Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident set size (RSS) of the gateway process',
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new Gauge({
    name: 'nodejs_heap_used_bytes',
    help: 'V8 heap in use',
    registers,
    collect() {
      this.set(process.memoryUsage().heapUsed);
    },
  });
  new Gauge({
    name: 'nodejs_external_memory_bytes',
    help: 'Memory of C++ objects bound to JavaScript (buffers, SQLite statements)',
    registers,
    collect() {
      this.set(process.memoryUsage().external);
    },
  });
  new Counter({
    name: 'process_cpu_seconds_total',
    help: 'CPU time (user + system) of the gateway process',
    registers,
    collect() {
      const u = process.cpuUsage();
      this.reset();
      this.inc((u.user + u.system) / 1e6);
    },
  });
  new Gauge({
    name: 'process_start_time_seconds',
    help: 'Start time of the process, epoch seconds',
    registers,
    collect() {
      this.set(startedAt);
    },
  });
  new Gauge({
    name: 'gatepost_event_loop_lag_seconds',
    help: 'Event-loop delay over the last 10 s window: p50, p99, max and mean',
    labelNames: ['stat'],
    registers,
    collect() {
      const lag = o.loop.lag();
      this.set({ stat: 'p50' }, lag.p50Ms / 1000);
      this.set({ stat: 'p99' }, lag.p99Ms / 1000);
      this.set({ stat: 'max' }, lag.maxMs / 1000);
      this.set({ stat: 'mean' }, lag.meanMs / 1000);
    },
  });
  new Gauge({
    name: 'gatepost_ready',
    help: '1 once the broker listens, every device was opened and the gateway state is published',
    registers,
    collect() {
      this.set(o.ready() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gatepost_clock_state',
    help: 'Clock check (1 for the current state); unsynchronised raises a clock alarm',
    labelNames: ['state'],
    registers,
    collect() {
      this.reset();
      const current = o.clockState();
      if (current === undefined) return;
      for (const s of CLOCK_STATES) this.set({ state: s }, s === current ? 1 : 0);
    },
  });
}
