import mqtt, { type MqttClient } from 'mqtt';
import { tellParent, untilParentSays } from '../support/child.ts';

/**
 * Extra MQTT load on the gateway's broker during the latency bench (issue 9):
 *   subs <url> <n>: n clients subscribed to everything (`#`, QoS 0), counting what they get;
 *   pub <url> <bytes>: one client publishing `bench/flood` (QoS 0) as fast as its socket takes
 *     it (at most 1,000 unwritten), from `go` on.
 * Tells `ready` when connected (and subscribed); on `stop` tells `done` with its counts.
 */
const [role, url = '', arg = '0'] = process.argv.slice(2);
const clients: MqttClient[] = [];

if (role === 'subs') {
  const n = Number(arg);
  let received = 0;
  for (let i = 0; i < n; i++) {
    const c = await mqtt.connectAsync(url, { clean: true, reconnectPeriod: 1000, keepalive: 60 });
    c.on('message', () => {
      received++;
    });
    await c.subscribeAsync('#', { qos: 0 });
    clients.push(c);
  }
  tellParent({ type: 'ready' });
  const t0 = performance.now();
  await untilParentSays('stop');
  const seconds = (performance.now() - t0) / 1000;
  const connected = clients.filter((c) => c.connected).length;
  tellParent({ type: 'done', received, perSecond: received / seconds, connected });
} else {
  const payload = Buffer.alloc(Number(arg), 0x62);
  const c = await mqtt.connectAsync(url, { clean: true, reconnectPeriod: 1000, keepalive: 60 });
  clients.push(c);
  tellParent({ type: 'ready' });
  await untilParentSays('go');
  let running = true;
  let sent = 0;
  const t0 = performance.now();
  const stopped = untilParentSays('stop').then(() => {
    running = false;
  });
  let outstanding = 0;
  let loops = 0;
  let wake: (() => void) | undefined;
  while (running) {
    if (outstanding >= 1000 || !c.connected) {
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
      continue;
    }
    outstanding++;
    c.publish('bench/flood', payload, { qos: 0 }, () => {
      outstanding--;
      sent++;
      const w = wake;
      wake = undefined;
      w?.();
    });
    // Let the socket and the parent's messages in now and then.
    if (++loops % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  await stopped;
  const seconds = (performance.now() - t0) / 1000;
  tellParent({ type: 'done', sent, perSecond: sent / seconds });
}
await Promise.all(clients.map((c) => c.endAsync(true)));
process.exit(0);
