#!/usr/bin/env node
// `npm run build`: the release build in dist/ (bin/bundle.js buildRelease): the gateway's entries
// as plain ES modules (bin/gatepost.js runs them, with no TypeScript loader and no esbuild at
// start), the web pages' bundles prebuilt in dist/web/ (the server serves those instead of
// building them) and the DCC schemas compiled into dist/dcc-validators.cjs (no Ajv compile at
// start). Packages, native modules among them, stay imports from node_modules.
import { fileURLToPath } from 'node:url';
import { buildBundle, buildRelease } from './bundle.js';

const t0 = performance.now();
const manifest = await buildRelease();
// The cache build of a dev checkout's start stays warm too (once a source changes, dist/ is not
// current and the start builds into node_modules/.cache/gatepost/ again).
for (const entry of [
  '../gateway/cli/main.ts',
  '../broker/broker-worker.ts',
  '../gateway/passes/trust-list-worker.ts',
]) {
  await buildBundle(fileURLToPath(new URL(entry, import.meta.url)));
}
process.stdout.write(
  `dist/: ${Object.values(manifest.entries).join(', ')} and web/ from ${manifest.inputs.length} files, ` +
    `version ${manifest.version}, in ${Math.round(performance.now() - t0)} ms\n`,
);
