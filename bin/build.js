#!/usr/bin/env node
// Builds the modules the gateway runs (bin/bundle.js) ahead of time: `npm run build`. The gateway
// builds them at start anyway when a source changed, so this is needed only where it cannot
// write at run time (a box's /opt/gatepost under systemd's ProtectSystem=strict).
import { fileURLToPath } from 'node:url';
import { buildBundle } from './bundle.js';

for (const entry of ['../gateway/cli/main.ts', '../broker/broker-worker.ts']) {
  const url = await buildBundle(fileURLToPath(new URL(entry, import.meta.url)));
  process.stdout.write(`${fileURLToPath(url)}\n`);
}
