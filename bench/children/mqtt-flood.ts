import mqtt from 'mqtt';
import { tellParent, untilParentSays } from '../support/child.ts';

/**
 * One side of the broker throughput bench (mqtt.js, QoS 0, loopback):
 *   sub <url> <count> <timeoutMs>: subscribes to `bench/flood`, tells `subscribed`, then counts
 *     messages and tells `done` with the count and the first and last arrival (performance.now)
 *     once it has them all, or nothing came for a second.
 *   pub <url> <count> <bytes>: on `go`, publishes `count` messages of `bytes` bytes as fast as
 *     the socket takes them (at most 1,000 unwritten), then tells `done`.
 */
const [role, url = '', countArg = '0', third = '0'] = process.argv.slice(2);
const count = Number(countArg);
const client = await mqtt.connectAsync(url, { clean: true, reconnectPeriod: 0, keepalive: 60 });

if (role === 'sub') {
  const timeoutMs = Number(third);
  let n = 0;
  let first = 0;
  let last = 0;
  // Done at `count`, or once nothing came for a second (QoS 0 may lose a few), or at the timeout.
  const done = new Promise<void>((resolve) => {
    client.on('message', () => {
      const t = performance.now();
      if (n === 0) first = t;
      last = t;
      n++;
      if (n >= count) resolve();
    });
    setTimeout(resolve, timeoutMs).unref();
    setInterval(() => {
      if (n > 0 && performance.now() - last > 1000) resolve();
    }, 100).unref();
  });
  await client.subscribeAsync('bench/flood', { qos: 0 });
  tellParent({ type: 'subscribed' });
  await done;
  tellParent({ type: 'done', received: n, firstAt: first, lastAt: last });
} else {
  const bytes = Number(third);
  tellParent({ type: 'connected' });
  await untilParentSays('go');
  const payload = Buffer.alloc(bytes, 0x61);
  const t0 = performance.now();
  let outstanding = 0;
  let wake: (() => void) | undefined;
  for (let i = 0; i < count; i++) {
    while (outstanding >= 1000) await new Promise<void>((r) => (wake = r));
    outstanding++;
    client.publish('bench/flood', payload, { qos: 0 }, () => {
      outstanding--;
      const w = wake;
      wake = undefined;
      w?.();
    });
  }
  while (outstanding > 0) await new Promise<void>((r) => (wake = r));
  tellParent({ type: 'done', sent: count, seconds: (performance.now() - t0) / 1000 });
}
await client.endAsync();
process.exit(0);
