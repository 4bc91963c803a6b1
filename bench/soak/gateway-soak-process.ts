import { getHeapCodeStatistics, getHeapSpaceStatistics } from 'node:v8';
import { tellParent } from '../support/child.ts';

/**
 * The real-time soak's gateway process: the benches' gateway process (children/gateway-process.ts,
 * the gateway alone as on a box) with one more IPC message, answered by the process itself and
 * not by the gateway (no gateway change): `probe` runs a full GC (node runs with --expose-gc)
 * and answers with process.memoryUsage() and the main thread's active resources, counted by
 * kind (process.getActiveResourcesInfo(): handles and requests, timers among them), the heap's
 * use space by space (v8.getHeapSpaceStatistics) and what of it is code (v8.getHeapCodeStatistics:
 * machine code, bytecode, script sources): the heap's growth told apart without a heap snapshot,
 * which pauses the gateway and leaves its working memory in the RSS (docs/memory.md).
 *   node bin/run-bundled.js bench/soak/gateway-soak-process.ts <config> <epoch> <scale>
 */
process.on('message', (m: { type?: string }) => {
  if (m?.type !== 'probe') return;
  (globalThis as { gc?: () => void }).gc?.();
  const resources: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1;
  const spaces: Record<string, number> = {};
  for (const s of getHeapSpaceStatistics()) spaces[s.space_name] = s.space_used_size;
  const code = getHeapCodeStatistics();
  tellParent({
    type: 'probe',
    memory: { ...process.memoryUsage() },
    resources,
    spaces,
    code: {
      code: code.code_and_metadata_size,
      bytecode: code.bytecode_and_metadata_size,
      scriptSource: code.external_script_source_size,
    },
  });
});
// Loaded after the handler is in place: its top-level await lasts until the gateway stops.
await import('../children/gateway-process.ts');
