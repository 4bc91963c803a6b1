import mqtt from 'mqtt';
import { tellParent, untilParentSays } from '../support/child.ts';

/**
 * One side of the broker throughput bench (mqtt.js, QoS 0, loopback):
 * The topic and the login come from the environment (BENCH_MQTT_TOPIC, default `bench/flood`;
 * BENCH_MQTT_LOGIN, JSON `{username, password, clientId}`, default anonymous).
 *   sub <url> <count> <timeoutMs>: subscribes to the topic, tells `subscribed`, then counts
 *     messages and tells `done` with the count and the first and last arrival (performance.now)
 *     once it has them all, or nothing came for 3 s (a loaded machine stalls for a second).
 *   pub <url> <count> <bytes>: on `go`, publishes `count` messages of `bytes` bytes as fast as
 *     the socket takes them (at most 1,000 unwritten), then tells `done`.
 */
const [role, url = '', countArg = '0', third = '0'] = process.argv.slice(2);
const count = Number(countArg);
const topic = process.env.BENCH_MQTT_TOPIC ?? 'bench/flood';
const login = process.env.BENCH_MQTT_LOGIN
  ? (JSON.parse(process.env.BENCH_MQTT_LOGIN) as { username?: string; password?: string; clientId?: string })
  : {};
const client = await mqtt.connectAsync(url, { clean: true, reconnectPeriod: 0, keepalive: 60, ...login });

if (role === 'sub') {
  const timeoutMs = Number(third);
  let n = 0;
  let first = 0;
  let last = 0;
  // Done at `count`, or once nothing came for 3 s (QoS 0 may lose some), or at the timeout.
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
      if (n > 0 && performance.now() - last > 3000) resolve();
    }, 100).unref();
  });
  const granted = await client.subscribeAsync(topic, { qos: 0 });
  if (granted[0]?.qos === 128) throw new Error(`subscription to ${topic} refused`);
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
    client.publish(topic, payload, { qos: 0 }, () => {
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
