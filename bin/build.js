#!/usr/bin/env node
// `npm run build`: the release build in dist/ (bin/bundle.js buildDist): the gateway's entries as
// plain ES modules (bin/gatepost.js runs them, with no TypeScript loader and no esbuild at start)
// and the web pages' bundles prebuilt in dist/web/ (the server serves those instead of building
// them). Packages, native modules among them, stay imports from node_modules.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundle, buildDist, importBundled } from './bundle.js';

const t0 = performance.now();
const manifest = await buildDist(undefined, {
  // The pages, built as the server would and written out; their sources join dist's inputs.
  extra: async (dir, inputs) => {
    const web = await importBundled(fileURLToPath(new URL('../gateway/web/build.ts', import.meta.url)));
    const written = await web.writeWebAssets(join(dir, 'web'));
    inputs.push(...written.inputs);
  },
});
// The cache build of the dev checkout's start stays warm too (the demo, bin/run-bundled.js).
for (const entry of ['../gateway/cli/main.ts', '../broker/broker-worker.ts']) {
  await buildBundle(fileURLToPath(new URL(entry, import.meta.url)));
}
process.stdout.write(
  `dist/: ${Object.values(manifest.entries).join(', ')} and web/ from ${manifest.inputs.length} files, ` +
    `version ${manifest.version}, in ${Math.round(performance.now() - t0)} ms\n`,
);
