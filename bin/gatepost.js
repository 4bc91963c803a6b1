#!/usr/bin/env node
// Entry point of the `gatepost` command: the TypeScript sources, built into one plain module at
// start (bin/bundle.js; GATEPOST_TSX=1 runs them through tsx instead).
import { fileURLToPath } from 'node:url';
import { importBundled } from './bundle.js';

const { main } = await importBundled(fileURLToPath(new URL('../gateway/cli/main.ts', import.meta.url)));
process.exitCode = await main(process.argv.slice(2));
