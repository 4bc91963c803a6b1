#!/usr/bin/env node
// Entry point of the `gatepost` command. An installed release (and a dev checkout after
// `npm run build`, while no source changed) runs the plain modules of dist/ (bin/dist.js): no
// TypeScript loader, no esbuild. Otherwise the sources are built into one plain module at start
// (bin/bundle.js; GATEPOST_TSX=1 runs them through tsx instead).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DIST, distToRun, isRelease } from './dist.js';

const dist = distToRun();
let main;
if (!dist && isRelease() && process.env.GATEPOST_DIST !== 'off') {
  // An installed release has no sources to build and neither esbuild nor tsx to build them with.
  process.stderr.write(
    `gatepost: ${DIST} is missing or incomplete (no manifest.json or entry): reinstall the release\n`,
  );
  process.exit(1);
}
if (dist) {
  // Read by bin/bundle.js (the broker's thread takes its module from here too) and the web server.
  process.env.GATEPOST_DIST = dist;
  // `start`: the embedded broker's thread begins now and loads its modules while this thread loads
  // the gateway's (broker/broker-early-thread.ts); the gateway takes it over, or ends it if unused.
  const early = join(dist, 'broker-early-thread.js');
  if (
    process.argv[2] === 'start' &&
    !process.argv.some((a) => a === '--help' || a === '-h') &&
    existsSync(early)
  ) {
    const { startEarlyBrokerThread } = await import(pathToFileURL(early).href);
    startEarlyBrokerThread(pathToFileURL(join(dist, 'broker-worker.js')));
  }
  ({ main } = await import(pathToFileURL(join(dist, 'main.js')).href));
} else {
  delete process.env.GATEPOST_DIST;
  const { importBundled } = await import('./bundle.js');
  ({ main } = await importBundled(fileURLToPath(new URL('../gateway/cli/main.ts', import.meta.url))));
}
process.exitCode = await main(process.argv.slice(2));
