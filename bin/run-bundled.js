#!/usr/bin/env node
// Runs a TypeScript file of the project built as the `gatepost` command is (bin/bundle.js):
//   node bin/run-bundled.js <file.ts> [args...]   (the file sees its args at process.argv[2...])
// The benches use it for the gateway's process, so that it runs as on a box.
import { resolve } from 'node:path';
import { importBundled } from './bundle.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node bin/run-bundled.js <file.ts> [args...]\n');
  process.exit(2);
}
process.argv.splice(1, 1);
process.argv[1] = resolve(file);
await importBundled(resolve(file));
