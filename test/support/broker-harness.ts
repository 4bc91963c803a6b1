import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
  startEmbeddedBroker,
} from '../../broker/embedded-broker.ts';
import { hashSecret, type ScryptCost } from '../../broker/password-hash.ts';
import { emptyUsersFile, type UserRecord, upsertUser, writeUsersFile } from '../../broker/users-file.ts';
import { ScaledClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';
import { GatewayClient } from '../../gateway/mqtt/gateway-client.ts';
import { makeTempDir, removeTempDirs } from './tmp.ts';

/** Everything a test started, stopped in reverse order by `stopAll` (call it in afterEach). */
const cleanups: (() => unknown)[] = [];

export async function stopAll(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      await c();
    } catch {
      // a client that is already gone
    }
  }
}

export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

export async function startBroker(opts: Partial<EmbeddedBrokerOptions> = {}): Promise<EmbeddedBroker> {
  const broker = await startEmbeddedBroker({
    tcp: { enabled: true, host: '127.0.0.1', port: 0 },
    websocket: { enabled: true, host: '127.0.0.1', port: 0, path: '/mqtt' },
    log: silentLogger(),
    site: 'demo',
    ...opts,
    // Gatepost's table unless a test brings its own (the broker knows no topics by itself).
    acl: opts.acl ?? GATEPOST_ACL,
  });
  onCleanup(() => broker.close());
  return broker;
}

/** Connects and waits for the CONNACK; the client is ended by stopAll. */
export async function connect(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  onCleanup(() => client.end(true));
  return client;
}

/**
 * Connects expecting a refusal; resolves with the CONNACK return code, the code of a TLS or socket
 * error, 'closed' when the connection ended without either, or 'accepted'.
 */
export async function refusal(url: string, opts: IClientOptions = {}): Promise<number | string> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  onCleanup(() => client.end(true));
  return new Promise<number | string>((resolve) => {
    client.once('connect', () => resolve('accepted'));
    client.once('error', (err) => resolve((err as Error & { code?: number | string }).code ?? 'closed'));
    client.once('close', () => setTimeout(() => resolve('closed'), 50));
  });
}

/** Resolves when the client's connection closes (e.g. after a denied publish). */
export function closed(client: MqttClient, timeoutMs = 3000): Promise<boolean> {
  if (client.disconnected || !client.connected) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), timeoutMs);
    client.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

export interface TestUser {
  name: string;
  role: string;
  lane?: string;
  secret: UserRecord['secret'];
  password: string;
}

/**
 * Writes a users file of `users` in `dir`. `cost`: the scrypt cost of their hashes, the broker's
 * default (ln=15, ~100 ms of a core per login) unless given. A hash carries its own cost and the
 * broker checks every login against it the same way, so a file whose subject is not the hashing
 * (the ACL table, logging in as each role again and again) may ask for a cheaper one.
 */
export async function writeUsers(
  dir: string,
  users: TestUser[],
  file = 'users.json',
  cost?: ScryptCost,
): Promise<string> {
  let data = emptyUsersFile();
  for (const u of users) {
    const user = { name: u.name, role: u.role, lane: u.lane, secret: u.secret };
    if (cost) {
      const record: UserRecord = { ...user, hash: await hashSecret(u.password, cost), changedAt: Date.now() };
      if (!u.lane) delete record.lane;
      const others = data.users.filter((x) => x.name !== u.name);
      data = { ...data, users: [...others, record].sort((a, b) => a.name.localeCompare(b.name)) };
    } else data = await upsertUser(data, user, u.password);
  }
  const path = join(dir, file);
  writeUsersFile(path, data);
  return path;
}

/** The users most broker tests log in as. */
export const KIOSK_EAST_1: TestUser = {
  name: 'S1001',
  role: 'kiosk',
  lane: 'east-1',
  secret: 'password',
  password: 'kiosk-password-01',
};
export const KIOSK_EAST_2_PIN: TestUser = {
  name: 'S1002',
  role: 'kiosk',
  lane: 'east-2',
  secret: 'pin',
  password: '482913',
};
export const VIEWER: TestUser = {
  name: 'V3001',
  role: 'viewer',
  secret: 'password',
  password: 'viewer-password-1',
};
/** How a wall screen logs in as VIEWER. */
export const VIEWER_LOGIN = { username: 'V3001', password: 'viewer-password-1', clientId: 'V3001-wall' };

/**
 * The set-up of a broker test file: a users file of `users`, written once before its tests;
 * every broker and client a test started, stopped after it; the temp dirs removed at the end.
 * `dir` and `usersFile` are set once the file's tests run.
 */
export function brokerSuite(users: TestUser[]): { readonly dir: string; readonly usersFile: string } {
  const suite = { dir: '', usersFile: '' };
  beforeAll(async () => {
    suite.dir = await makeTempDir();
    suite.usersFile = await writeUsers(suite.dir, users);
  });
  afterAll(removeTempDirs);
  afterEach(stopAll);
  return suite;
}

/** This machine's first non-loopback IPv4 address, to reach a broker the way a remote client does. */
export function externalAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

// Raw MQTT 3.1.1 bytes, for what mqtt.js will not send: mqtt-bytes.ts (re-exported here).
export {
  connackCode,
  connectPacket,
  publishPacket,
  publishQos2Packet,
  remainingLength,
  subscribePacket,
} from './mqtt-bytes.ts';

export interface RawClient {
  socket: Socket;
  /** Every byte received so far. */
  received(): Buffer;
  /** Resolves when the broker has closed the connection. */
  closed: Promise<void>;
}

export async function rawClient(port: number, host = '127.0.0.1'): Promise<RawClient> {
  const socket = netConnect(port, host);
  onCleanup(() => socket.destroy());
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => undefined);
  const closedP = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => Buffer.concat(chunks), closed: closedP };
}

export function waitFor(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

/** Subscribes and resolves with the granted QoS of each filter (128 = refused), refusals included. */
export async function grantedQos(client: MqttClient, filters: string | string[]): Promise<number[]> {
  try {
    const granted = await client.subscribeAsync(filters, { qos: 1 });
    return granted.map((g) => g.qos);
  } catch (e) {
    const granted = (e as { packet?: { granted?: number[] } }).packet?.granted;
    if (granted) return granted;
    throw e;
  }
}

/** The gateway's own MQTT client (site `demo`, its in-process credentials) on `broker`, through `url` (default: the broker's). */
export function connectGatewayClient(
  broker: Pick<EmbeddedBroker, 'url' | 'gatewayCredentials'>,
  url = broker.url ?? '',
): Promise<GatewayClient> {
  return GatewayClient.connect({
    url,
    site: 'demo',
    version: 'test',
    clock: new ScaledClock(),
    log: silentLogger(),
    ...broker.gatewayCredentials,
  });
}
