import { createServer } from 'node:net';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { ErrorCode, isGatepostError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';

const brokers: EmbeddedBroker[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close();
});

const opts = (tcpPort = 0, wsPort = 0) => ({
  tcp: { enabled: true, host: '127.0.0.1', port: tcpPort },
  websocket: { enabled: true, host: '127.0.0.1', port: wsPort, path: '/mqtt' },
  log: silentLogger(),
  acl: GATEPOST_ACL,
});

describe('embedded broker', () => {
  it('carries a message from a TCP client to a WebSocket client', async () => {
    const broker = await startEmbeddedBroker(opts());
    brokers.push(broker);
    const ws = await mqtt.connectAsync(`ws://127.0.0.1:${broker.wsPort}/mqtt`);
    const tcp = await mqtt.connectAsync(broker.url ?? '');
    await ws.subscribeAsync('gatepost/#');
    const got = new Promise<string>((resolve) => ws.on('message', (t, p) => resolve(`${t} ${p}`)));
    await tcp.publishAsync('gatepost/demo/x', 'hello', { qos: 1 });
    expect(await got).toBe('gatepost/demo/x hello');
    await Promise.all([ws.endAsync(), tcp.endAsync()]);
  });

  it('names the port and the config field when the port is taken', async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const port = (squatter.address() as { port: number }).port;
    try {
      await expect(startEmbeddedBroker(opts(port))).rejects.toSatisfy(
        (e) =>
          isGatepostError(e, ErrorCode.ListenFailed) &&
          e.message ===
            `port ${port} on 127.0.0.1 is already in use by another program; change broker.tcp.port in the config`,
      );
      // The WebSocket listener is refused the same way, and nothing is left listening.
      await expect(startEmbeddedBroker(opts(0, port))).rejects.toThrow(
        'change broker.websocket.port in the config',
      );
    } finally {
      squatter.close();
    }
  });
});
