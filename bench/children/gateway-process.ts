import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startEarlyBrokerThread } from '../../broker/broker-early-thread.ts';

/**
 * The bench's gateway process (gateway-process-run.ts does the work). From a release build
 * (GATEPOST_DIST, bench/release-start-bench.ts) it first begins the broker's thread, as
 * bin/gatepost.js does for `gatepost start`, and only then loads the gateway's modules, so that a
 * cold start measures what a box's does.
 */
const dist = process.env.GATEPOST_DIST;
if (dist) startEarlyBrokerThread(pathToFileURL(join(dist, 'broker-worker.js')));
await import('./gateway-process-run.ts');
