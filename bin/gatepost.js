#!/usr/bin/env node
// Entry point of the `gatepost` command. An installed release (and a dev checkout after
// `npm run build`, while no source changed) runs the plain modules of dist/ (bin/dist.js): no
// TypeScript loader, no esbuild. Otherwise the sources are built into one plain module at start
// (bin/bundle.js; GATEPOST_TSX=1 runs them through tsx instead).
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { distToRun } from './dist.js';

const dist = distToRun();
let main;
if (dist) {
  // Read by bin/bundle.js (the broker's thread takes its module from here too) and the web server.
  process.env.GATEPOST_DIST = dist;
  ({ main } = await import(pathToFileURL(join(dist, 'main.js')).href));
} else {
  delete process.env.GATEPOST_DIST;
  const { importBundled } = await import('./bundle.js');
  ({ main } = await importBundled(fileURLToPath(new URL('../gateway/cli/main.ts', import.meta.url))));
}
process.exitCode = await main(process.argv.slice(2));
