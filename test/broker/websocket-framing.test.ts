import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { silentLogger } from '../../core/logger.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';
import { connectPacket, subscribePacket, waitFor } from '../support/broker-harness.ts';

/**
 * A WebSocket client (a page) is sent what the broker writes in one turn of its event loop
 * joined into few frames, not one frame per piece of each packet: a burst of 1,200 bay messages
 * used to reach the yard map as 6,000 frames, each a task for the browser. The packets inside
 * are whole and in order.
 */
const brokers: EmbeddedBroker[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close();
});

const COUNT = 1_200;

describe('the broker over WebSocket', () => {
  it('joins a burst into few frames, every packet whole and in order', async () => {
    const broker = await startEmbeddedBroker({
      tcp: { enabled: true, host: '127.0.0.1', port: 0 },
      websocket: { enabled: true, host: '127.0.0.1', port: 0, path: '/mqtt' },
      log: silentLogger(),
      acl: GATEPOST_ACL,
      limits: { maxPacketsPerSecond: 1e9 },
    });
    brokers.push(broker);
    const ws = new WebSocket(`ws://127.0.0.1:${broker.wsPort}/mqtt`, 'mqtt');
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    let frames = 0;
    const seen: number[] = [];
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p) => {
      if (p.cmd === 'publish') seen.push(Number(String(p.payload).split(':')[0]));
    });
    const acks: string[] = [];
    parser.on('packet', (p) => {
      if (p.cmd !== 'publish') acks.push(p.cmd);
    });
    ws.on('message', (data: Buffer) => {
      if (acks.includes('suback')) frames++;
      parser.parse(data);
    });
    ws.send(connectPacket({ clientId: 'page-framing', clean: true }));
    await waitFor(() => acks.includes('connack'), 5_000, 'CONNACK');
    ws.send(subscribePacket(1, 'bench/framing'));
    await waitFor(() => acks.includes('suback'), 5_000, 'SUBACK');

    const pub = await mqtt.connectAsync(broker.url ?? '');
    const body = 'x'.repeat(300);
    for (let i = 0; i < COUNT; i++) pub.publish('bench/framing', `${i}:${body}`, { qos: 0 });
    await waitFor(() => seen.length >= COUNT, 20_000, `${COUNT} messages`);
    expect(seen).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    // One frame per packet would be 1,200 (and 6,000 with a frame per piece).
    expect(frames).toBeLessThan(COUNT / 4);
    ws.close();
    await pub.endAsync();
  }, 40_000);
});
