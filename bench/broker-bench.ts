import { resolve } from 'node:path';
import { startMosquitto } from '../test/support/mosquitto.ts';
import { spawnBenchChild } from './support/child.ts';
import { cpuSeconds } from './support/proc.ts';
import { median } from './support/stats.ts';

/**
 * Embedded broker (Aedes, as the gateway starts it) against Mosquitto on the same load: one
 * publisher process and one subscriber process (mqtt.js), QoS 0, 200-byte payloads on one
 * topic, loopback. The rate is the subscriber's: messages received over the time from the first
 * to the last. Broker CPU per message from /proc of the broker process over the same span.
 */
export interface BrokerBenchFigures {
  broker_msgs_per_s: number;
  mosquitto_msgs_per_s: number;
  broker_vs_mosquitto_ratio: number;
  broker_cpu_us_per_msg: number;
  mosquitto_cpu_us_per_msg: number;
  /** Messages the subscriber did not get (QoS 0 may drop), per million, worst round. */
  broker_lost_per_million: number;
  mosquitto_lost_per_million: number;
}

const MESSAGES = 150_000;
const BYTES = 200;
const ROUNDS = 3;

export const BROKER_BENCH_CONDITIONS = `QoS 0, ${BYTES}-byte payloads, ${MESSAGES.toLocaleString('en')} messages a round, one publisher and one subscriber process (mqtt.js) on loopback, the broker in its own process; median of ${ROUNDS} rounds, brokers alternating; Mosquitto 2.0 with max_queued_messages 0`;

interface Round {
  msgsPerS: number;
  cpuUsPerMsg: number;
  lost: number;
}

async function round(url: string, brokerPid: number): Promise<Round> {
  const sub = spawnBenchChild('bench/children/mqtt-flood.ts', ['sub', url, String(MESSAGES), '60000']);
  const pub = spawnBenchChild('bench/children/mqtt-flood.ts', ['pub', url, String(MESSAGES), String(BYTES)]);
  try {
    await sub.next('subscribed');
    await pub.next('connected');
    const cpu0 = cpuSeconds(brokerPid) ?? 0;
    pub.send({ type: 'go' });
    const done = await sub.next('done', 90_000);
    const cpu1 = cpuSeconds(brokerPid) ?? 0;
    const received = Number(done.received);
    if (received < MESSAGES * 0.99) throw new Error(`the subscriber got ${received} of ${MESSAGES} messages`);
    const seconds = (Number(done.lastAt) - Number(done.firstAt)) / 1000;
    return {
      msgsPerS: received / seconds,
      cpuUsPerMsg: ((cpu1 - cpu0) * 1e6) / received,
      lost: MESSAGES - received,
    };
  } finally {
    await Promise.all([sub.stop(), pub.stop()]);
  }
}

export async function brokerBench(): Promise<BrokerBenchFigures> {
  const aedes = spawnBenchChild('bench/children/aedes-broker.ts');
  const mosquitto = await startMosquitto({ persistence: false });
  try {
    const { port } = await aedes.next('listening');
    const aedesUrl = `mqtt://127.0.0.1:${port}`;
    const a: Round[] = [];
    const m: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      a.push(await round(aedesUrl, aedes.pid));
      m.push(await round(mosquitto.url, mosquitto.pid ?? 0));
    }
    const broker = median(a.map((r) => r.msgsPerS));
    const mosq = median(m.map((r) => r.msgsPerS));
    return {
      broker_msgs_per_s: Math.round(broker),
      mosquitto_msgs_per_s: Math.round(mosq),
      broker_vs_mosquitto_ratio: Math.round((broker / mosq) * 100) / 100,
      broker_cpu_us_per_msg: Math.round(median(a.map((r) => r.cpuUsPerMsg)) * 10) / 10,
      mosquitto_cpu_us_per_msg: Math.round(median(m.map((r) => r.cpuUsPerMsg)) * 10) / 10,
      broker_lost_per_million: Math.round((Math.max(...a.map((r) => r.lost)) / MESSAGES) * 1e6),
      mosquitto_lost_per_million: Math.round((Math.max(...m.map((r) => r.lost)) / MESSAGES) * 1e6),
    };
  } finally {
    await aedes.stop();
    await mosquitto.dispose();
  }
}

export default brokerBench;

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.stdout.write(`${JSON.stringify(await brokerBench(), null, 2)}\n(${BROKER_BENCH_CONDITIONS})\n`);
  process.exit(0);
}
