import { readFileSync } from 'node:fs';
import type * as esbuild from 'esbuild';
import { ErrorCode, GatepostError } from '../../core/errors.ts';

/**
 * mqtt.js's browser build (`mqtt/dist/mqtt.esm.js`) carries the classic `process` shim of
 * browserify, whose `nextTick` queues the callback and, when the queue was empty, drains it with
 * `setTimeout(drain, 0)`. mqtt.js hands every packet it parses to the next one through that
 * `nextTick`, and its streams defer their events through it: each WebSocket frame of a burst
 * becomes a timer task of its own, queued behind the page's frames and other tasks. (Node runs
 * `process.nextTick` callbacks before the current operation returns to the event loop, which is
 * what a microtask does in a browser.)
 *
 * This rewrites that scheduling call to `queueMicrotask(drain)`: the packets of a frame are
 * parsed and handed to the page in the task that received the frame. The shim's drain loop is
 * unchanged (it still runs every queued callback, including those queued while it runs). Measured
 * on the yard map's burst of 1,200 bay views (bench/yard-map-bench.ts), three interleaved pairs
 * at load 3-5: 178, 209, 220 ms before; 153, 182, 171 ms after.
 *
 * The bundle has more than one copy of the shim (mqtt.js 5.16: two of this form, the one its
 * client uses among them); each is rewritten. They are minified, so the call is found by its
 * shape: `<queue>.length===1&&!<draining>&&setTimeout(<drain>,0)`. None found (an mqtt.js release
 * that changed its shim) fails the build rather than shipping the timer drain unknowingly.
 */
const SHIM_SCHEDULE = /([\w$]+)\.length===1&&!([\w$]+)&&setTimeout\(([\w$]+),0\)/g;

/** The bundle's text with each shim's drain scheduled as a microtask; throws when there is none. */
export function scheduleNextTickAsMicrotask(source: string): string {
  const rewritten = source.replace(SHIM_SCHEDULE, '$1.length===1&&!$2&&queueMicrotask($3)');
  if (rewritten === source)
    throw new GatepostError(
      ErrorCode.Internal,
      "web build: the process shim's nextTick schedule (setTimeout of its drain) is not in mqtt's browser build",
    );
  return rewritten;
}

/** The esbuild plugin: applies scheduleNextTickAsMicrotask to mqtt's browser build as it is loaded. */
export const microtaskNextTick: esbuild.Plugin = {
  name: 'mqtt-microtask-next-tick',
  setup(build) {
    build.onLoad({ filter: /[\\/]mqtt[\\/]dist[\\/]mqtt\.esm\.js$/ }, (args) => ({
      contents: scheduleNextTickAsMicrotask(readFileSync(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};
