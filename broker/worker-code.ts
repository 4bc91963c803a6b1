import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';

/**
 * How the broker thread loads its code. The gateway runs its TypeScript sources through tsx;
 * a worker thread would need tsx registered again, which costs it a loader thread of its own
 * (~25 MB of RSS on this box) and half a second of start-up. So the thread's code is built once
 * per process start into plain ES modules, as the `gatepost` command's own (bin/bundle.js: our
 * sources only, in ~50 ms; the packages stay imports). If that cannot be done (no esbuild, a
 * read-only install), the thread loads the sources through tsx instead.
 */
export type WorkerCode = { kind: 'module'; url: URL } | { kind: 'eval'; code: string };

const ENTRY = fileURLToPath(new URL('./broker-worker.ts', import.meta.url));

let built: Promise<WorkerCode> | undefined;

/** The broker thread's code, built on the first call of this process. */
export function brokerWorkerCode(log: Logger): Promise<WorkerCode> {
  built ??= buildModule().catch((err: unknown) => {
    log.warn({ err: errorMessage(err) }, 'broker thread code not built; loading it through tsx');
    return tsxBoot();
  });
  return built;
}

async function buildModule(): Promise<WorkerCode> {
  const { buildBundle } = await import('../bin/bundle.js');
  return { kind: 'module', url: await buildBundle(ENTRY) };
}

/** The sources through tsx's ESM API (its CommonJS build cannot register hooks from a worker). */
function tsxBoot(): WorkerCode {
  const api =
    typeof import.meta.resolve === 'function'
      ? import.meta.resolve('tsx/esm/api')
      : pathToFileURL(
          createRequire(import.meta.url)
            .resolve('tsx/package.json')
            .replace(/package\.json$/, 'dist/esm/api/index.mjs'),
        ).href;
  const entry = pathToFileURL(ENTRY).href;
  return {
    kind: 'eval',
    code: `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`,
  };
}
