import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { errorMessage } from './errors.ts';
import type { Logger } from './logger.ts';

/**
 * How a worker thread of the gateway (the broker's) loads its code.
 * The gateway's TypeScript sources run as modules built by esbuild (core/module-build.js); a thread
 * given the .ts file would need tsx registered again, which costs it a loader thread of its own
 * (~25 MB of RSS on this box) and half a second of start-up. So each thread's entry is built
 * once per process into plain ES modules the same way (our sources only, in ~50 ms; the
 * packages stay imports). If that cannot be done (no esbuild, a read-only install), the thread
 * loads the sources through tsx instead. A process running a release build (dist/, GATEPOST_DIST)
 * gets the thread's prebuilt module from there (core/module-build.js), with no esbuild at all.
 */
export type WorkerCode = { kind: 'module'; url: URL } | { kind: 'eval'; code: string };

const built = new Map<string, Promise<WorkerCode>>();

/** The code of a thread whose entry is `entry` (a .ts file URL), built on the first call. */
function workerCode(entry: URL, log: Logger): Promise<WorkerCode> {
  const path = fileURLToPath(entry);
  let code = built.get(path);
  if (!code) {
    code = buildModule(path).catch((err: unknown) => {
      log.warn({ err: errorMessage(err), entry: path }, 'thread code not built; loading it through tsx');
      return tsxBoot(path);
    });
    built.set(path, code);
  }
  return code;
}

/** Starts a worker thread on `entry` (a .ts file URL of the project). */
export async function startWorker(entry: URL, log: Logger, options: WorkerOptions): Promise<Worker> {
  const code = await workerCode(entry, log);
  return code.kind === 'module'
    ? new Worker(code.url, options)
    : new Worker(code.code, { ...options, eval: true });
}

async function buildModule(entry: string): Promise<WorkerCode> {
  const { buildBundle } = await import('./module-build.js');
  return { kind: 'module', url: await buildBundle(entry) };
}

/** The sources through tsx's ESM API (its CommonJS build cannot register hooks from a worker). */
function tsxBoot(entry: string): WorkerCode {
  const api =
    typeof import.meta.resolve === 'function'
      ? import.meta.resolve('tsx/esm/api')
      : pathToFileURL(
          createRequire(import.meta.url)
            .resolve('tsx/package.json')
            .replace(/package\.json$/, 'dist/esm/api/index.mjs'),
        ).href;
  const url = pathToFileURL(entry).href;
  return {
    kind: 'eval',
    code: `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); })`,
  };
}
