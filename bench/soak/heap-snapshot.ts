import { execFileSync } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import WebSocket from 'ws';

/**
 * A heap snapshot of a running node process, taken from outside: SIGUSR1 opens its inspector
 * on 127.0.0.1:`port` (node's default 9229), a CDP client asks HeapProfiler for a snapshot and
 * streams its chunks to `file`, then the inspector is closed again from inside the process
 * (Runtime.evaluate of inspector.close()), so the process keeps no open port or descriptor
 * of it (checked: its fds are back to what they were). The process runs on; a snapshot pauses its JavaScript for a few seconds.
 *   node --import tsx bench/soak/heap-snapshot.ts <pid> <file.heapsnapshot>
 */
export async function takeHeapSnapshot(pid: number, file: string, port = 9229): Promise<void> {
  process.kill(pid, 'SIGUSR1');
  const url = await inspectorUrl(port);
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const out = createWriteStream(file);
  let id = 0;
  const waiting = new Map<number, (m: CdpMessage) => void>();
  ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString()) as CdpMessage;
    if (m.method === 'HeapProfiler.addHeapSnapshotChunk') out.write(String(m.params?.chunk ?? ''));
    else if (m.id !== undefined) waiting.get(m.id)?.(m);
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<CdpMessage>((resolve, reject) => {
      const n = ++id;
      waiting.set(n, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m)));
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  try {
    await call('HeapProfiler.enable');
    await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    await call('HeapProfiler.disable');
  } finally {
    await new Promise<void>((resolve) => out.end(resolve));
    // Closes the inspector's port from inside (a moment after answering), so the process keeps
    // no port or descriptor of it; the bundled gateway has no `require`, node 20.16+ has this.
    await Promise.race([
      call('Runtime.evaluate', {
        expression: "setTimeout(() => process.getBuiltinModule('node:inspector').close(), 50), 1",
      }).catch(() => undefined),
      new Promise((r) => setTimeout(r, 2000)),
    ]);
    ws.terminate();
  }
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: { chunk?: string };
  error?: { message: string };
}

async function inspectorUrl(port: number): Promise<string> {
  for (let i = 0; i < 50; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/json/list`);
      const targets = (await res.json()) as { webSocketDebuggerUrl?: string }[];
      const url = targets[0]?.webSocketDebuggerUrl;
      if (url) return url;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no inspector on 127.0.0.1:${port} after SIGUSR1`);
}

/**
 * Writing a snapshot leaves its buffers, some 140 MB for the gateway, freed but resident: glibc's
 * malloc (MALLOC_ARENA_MAX=2, as the unit sets it) keeps them, and the process's RSS stays that
 * much higher for good (seen in a soak: 130 -> 272 MB). Where gdb is installed, malloc_trim(0)
 * in the process gives them back (gdb stops the process for about a second); the RSS before and
 * after, MB.
 */
export function trimMalloc(pid: number): { beforeMb: number; afterMb: number } | undefined {
  const rss = () =>
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const beforeMb = rss();
  try {
    execFileSync('gdb', ['-p', String(pid), '-batch', '-ex', 'call (int) malloc_trim(0)'], {
      stdio: 'ignore',
      timeout: 30_000,
    });
  } catch {
    return undefined;
  }
  return { beforeMb, afterMb: rss() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [pid = '', file = ''] = process.argv.slice(2);
  await takeHeapSnapshot(Number(pid), file);
  process.stdout.write(`wrote ${file}\n`);
  const trimmed = trimMalloc(Number(pid));
  process.stdout.write(
    trimmed
      ? `malloc_trim: RSS ${trimmed.beforeMb.toFixed(1)} -> ${trimmed.afterMb.toFixed(1)} MB\n`
      : "no gdb: the snapshot's freed buffers stay resident in the process\n",
  );
}
