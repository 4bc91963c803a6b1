import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { GATEWAY_RESERVE } from '../../broker/connection-slots.ts';
import {
  brokerSuite,
  connect,
  externalAddress,
  onCleanup,
  refusal,
  startBroker,
  type TestUser,
  VIEWER,
  VIEWER_LOGIN,
} from '../support/broker-harness.ts';

/**
 * Connection slots, with real sockets on loopback (127.0.0.x are distinct source addresses): idle
 * sockets that never send CONNECT cannot keep logins out, one address cannot take every slot, and
 * the gateway process always gets back in.
 */
const SERVER_UNAVAILABLE = 3;
const USERS: TestUser[] = [VIEWER];
const viewer = VIEWER_LOGIN;

const suite = brokerSuite(USERS);

interface Idle {
  socket: Socket;
  openedAt: number;
  closedAt: number | undefined;
}

/** A socket that connects and never sends a byte; closed by stopAll. */
async function idleSocket(port: number, from = '127.0.0.1', host = '127.0.0.1'): Promise<Idle> {
  const socket = netConnect({ port, host, localAddress: from });
  onCleanup(() => socket.destroy());
  socket.on('error', () => undefined);
  const idle: Idle = { socket, openedAt: performance.now(), closedAt: undefined };
  socket.once('close', () => {
    idle.closedAt = performance.now();
  });
  await once(socket, 'connect');
  return idle;
}

/** Lets the broker's event loop see every socket opened so far. */
const settle = () => new Promise((r) => setTimeout(r, 200));

describe('connection slots', () => {
  it('lets the gateway and a user in past 500 idle sockets from one address', async () => {
    const broker = await startBroker({ usersFile: suite.usersFile });
    const port = broker.tcpPort ?? 0;
    const idle: Idle[] = [];
    for (let i = 0; i < 500; i++) idle.push(await idleSocket(port));
    await settle();
    const gateway = await connect(broker.url ?? '', {
      ...broker.gatewayCredentials,
      clientId: 'gatepost-demo-gateway',
    });
    expect(gateway.connected).toBe(true);
    expect(await refusal(broker.url ?? '', viewer)).toBe('accepted');
    // One address holds at most its cap (64) of sockets; the rest were closed.
    await settle();
    expect(idle.filter((s) => s.closedAt === undefined).length).toBeLessThanOrEqual(64);
    expect(broker.refusals().connection).toBeGreaterThanOrEqual(500 - 64);
  });

  it('lets a login in when idle sockets from many addresses fill the broker', async () => {
    const broker = await startBroker({ usersFile: suite.usersFile, limits: { maxConnections: 50 } });
    const port = broker.tcpPort ?? 0;
    const idle: Idle[] = [];
    for (let i = 0; i < 50; i++) idle.push(await idleSocket(port, `127.0.1.${i + 1}`));
    await settle();
    expect(idle.every((s) => s.closedAt === undefined)).toBe(true);
    expect(await refusal(broker.url ?? '', viewer)).toBe('accepted');
    // The oldest idle socket made way.
    await settle();
    expect(idle[0]?.closedAt).toBeDefined();
    expect(idle.filter((s) => s.closedAt !== undefined).length).toBe(1);
  });

  it('keeps a slot for the gateway when every slot holds a logged-in client', async () => {
    const broker = await startBroker({ usersFile: suite.usersFile, limits: { maxConnections: 4 } });
    const url = broker.url ?? '';
    for (let i = 0; i < 4; i++) await connect(url, { clientId: `tool-${i}` });
    // A fifth client from this box gets a reserve slot, and CONNACK 3 since it is not the gateway.
    expect(await refusal(url, { clientId: 'tool-5' })).toBe(SERVER_UNAVAILABLE);
    const gateway = await connect(url, { ...broker.gatewayCredentials, clientId: 'gatepost-demo-gateway' });
    expect(gateway.connected).toBe(true);
    expect(GATEWAY_RESERVE).toBeGreaterThanOrEqual(1);
  });

  it('caps the connections of one network address', async () => {
    const address = externalAddress();
    if (!address) return; // no network interface but loopback on this machine
    const broker = await startBroker({
      usersFile: suite.usersFile,
      tcp: { enabled: true, host: '0.0.0.0', port: 0 },
      limits: { maxConnectionsPerAddress: 3 },
    });
    const url = `mqtt://${address}:${broker.tcpPort}`;
    for (let i = 0; i < 3; i++) await connect(url, { ...viewer, clientId: `V3001-${i}` });
    // A fourth socket from the same address is refused before any byte is read (no reserve off loopback).
    expect(await refusal(url, { ...viewer, clientId: 'V3001-4' })).not.toBe('accepted');
    // From another address there is room.
    expect(await refusal(broker.url ?? '', { ...viewer, clientId: 'V3001-5' })).toBe('accepted');
  });

  it('closes idle sockets sooner as the slots fill up', async () => {
    const broker = await startBroker({ limits: { maxConnections: 10, connectTimeoutMs: 8000 } });
    const port = broker.tcpPort ?? 0;
    const early = await idleSocket(port, '127.0.2.1');
    const rest: Idle[] = [];
    for (let i = 2; i <= 10; i++) rest.push(await idleSocket(port, `127.0.2.${i}`));
    const last = rest.at(-1);
    // The last socket, opened with 9 of 10 slots taken, has 2.4 s to send its CONNECT (8 s
    // shrinking to 1 s between half and all the slots taken).
    await new Promise((r) => setTimeout(r, 3500));
    expect(last?.closedAt).toBeDefined();
    const lived = (last?.closedAt ?? 0) - (last?.openedAt ?? 0);
    expect(lived).toBeGreaterThan(2000);
    expect(lived).toBeLessThan(3200);
    // The first, opened with the broker empty, keeps the full 8 s.
    expect(early.closedAt).toBeUndefined();
    expect(broker.refusals().connection).toBeGreaterThan(0);
  });
});
