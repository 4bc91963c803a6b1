import { tellParent } from '../support/child.ts';

/**
 * The real-time soak's gateway process: the benches' gateway process (children/gateway-process.ts,
 * the gateway alone as on a box) with one more IPC message, answered by the process itself and
 * not by the gateway (no gateway change): `probe` runs a full GC (node runs with --expose-gc)
 * and answers with process.memoryUsage() and the main thread's active resources, counted by
 * kind (process.getActiveResourcesInfo(): handles and requests, timers among them).
 *   node bin/run-bundled.js bench/soak/gateway-soak-process.ts <config> <epoch> <scale>
 */
process.on('message', (m: { type?: string }) => {
  if (m?.type !== 'probe') return;
  (globalThis as { gc?: () => void }).gc?.();
  const resources: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1;
  tellParent({ type: 'probe', memory: { ...process.memoryUsage() }, resources });
});
// Loaded after the handler is in place: its top-level await lasts until the gateway stops.
await import('../children/gateway-process.ts');
