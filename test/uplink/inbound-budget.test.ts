import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { ErrorCode } from '../../core/errors.ts';
import { createLogger } from '../../core/logger.ts';
import type { UplinkStatus } from '../../gateway/mqtt/gateway-payloads.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';
import { startStorage } from '../../gateway/store/storage.ts';
import { inboundPacketBudget, PUBLISH_OVERHEAD_BYTES } from '../../gateway/uplink/client-options.ts';
import { MAX_REMAINING_LENGTH } from '../../gateway/uplink/inbound-packet-meter.ts';
import { Uplink } from '../../gateway/uplink/uplink.ts';
import { StorageConfigSchema, UplinkConfigSchema } from '../../site-config/schema.ts';
import { heldBytes } from '../support/held-memory.ts';
import { checkDelivery, collectRecords } from '../support/load-gateway.ts';
import { startMosquitto } from '../support/mosquitto.ts';
import { remainingLength } from '../support/mqtt-bytes.ts';
import { makeCert } from '../support/self-signed-cert.ts';

/**
 * The uplink reads no packet from the central broker over its budget (downlink.maxEnvelopeBytes
 * plus PUBLISH_OVERHEAD_BYTES) into memory. A PUBLISH over it is skipped as it streams by (a
 * QoS 1 one acknowledged, so the broker does not send it again on every connection); anything
 * else over it, or malformed, drops the connection at its fixed header, and the uplink comes back
 * with its backoff. Against a real Mosquitto, and a raw TCP "central broker" on loopback.
 */
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const MAX_ENVELOPE = 64 * 1024;
const BUDGET = MAX_ENVELOPE + PUBLISH_OVERHEAD_BYTES;
/** A socket read is at most 64 KiB: the refusal comes within a few of them. */
const FEW_READS = 4 * 64 * 1024;
const DOWN_TOPIC = 'central/up/down/trust-list';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** A gateway's store and uplink, with the downlink's messages kept (their topic and size). */
function gateway(url: string, tls: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-inbound-'));
  const path = join(dir, 'g.db');
  const db = openDatabase(path);
  const lines: LogLine[] = [];
  const log = createLogger({
    level: 'debug',
    destination: { write: (line: string) => lines.push(JSON.parse(line) as LogLine) },
  });
  const store = new RecordStore({ db, site: 'up', clock: systemClock, log, groupCommitMs: 2 });
  const storage = startStorage({
    db,
    store,
    config: StorageConfigSchema.parse({ path }),
    site: 'up',
    clock: systemClock,
    log,
  });
  const received: { topic: string; bytes: number }[] = [];
  /** What the downlink was told of messages skipped unread (it answers each with a too-large ack). */
  const unread: { topic: string; declaredBytes: number; maxPacketBytes: number }[] = [];
  const statuses: UplinkStatus[] = [];
  const registry = new Registry();
  const uplink = new Uplink({
    config: UplinkConfigSchema.parse({
      enabled: true,
      url,
      topicPrefix: 'central',
      reconnectMinMs: 200,
      reconnectMaxMs: 800,
      statusIntervalMs: 100,
      ...tls,
    }),
    site: 'up',
    store,
    outbox: storage.outbox,
    reclaimer: storage.reclaimer,
    clock: systemClock,
    log,
    status: {
      async publish(_topic, payload) {
        statuses.push(payload as UplinkStatus);
      },
    },
    registry,
    downlink: {
      filters: () => ['central/up/down/#'],
      async handle(topic, payload) {
        received.push({ topic, bytes: payload.length });
      },
      async refuseUnread(topic, declaredBytes, maxPacketBytes) {
        unread.push({ topic, declaredBytes, maxPacketBytes });
      },
    },
    downlinkMaxEnvelopeBytes: MAX_ENVELOPE,
  });
  cleanup.push(async () => {
    await uplink.stop();
    storage.stop();
    store.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const refusals = () => lines.filter((l) => l.msg.startsWith('uplink: the central broker sent a packet'));
  const skips = () =>
    lines.filter((l) => l.msg.startsWith('uplink: the central broker sent a message over the budget'));
  const connects = () => lines.filter((l) => l.msg === 'uplink connected').length;
  const refusedMetric = async () =>
    (await registry.getSingleMetric('gatepost_uplink_refused_packets_total')?.get())?.values[0]?.value ?? 0;
  const append = (count: number) =>
    Promise.all(Array.from({ length: count }, (_, i) => store.append('yard', 'decision', { i })));
  const records = () =>
    db.prepare("SELECT id, 'up' AS site, stream, seq FROM records").all() as {
      id: string;
      site: string;
      stream: string;
      seq: number;
    }[];
  return {
    uplink,
    received,
    unread,
    statuses,
    lines,
    refusals,
    skips,
    connects,
    refusedMetric,
    append,
    records,
    dir,
  };
}

/** Publishes a file's bytes with Mosquitto's own client, so this process holds none of them. */
function mosquittoPub(port: number, topic: string, qos: 0 | 1, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-t',
      topic,
      '-q',
      String(qos),
      '-f',
      file,
    ]);
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`mosquitto_pub exited ${code}: ${err}`)),
    );
  });
}

/** The payload that makes a PUBLISH on `topic` exactly `total` bytes long. */
function payloadFor(total: number, topic: string, qos: 0 | 1): number {
  const variable = 2 + topic.length + (qos > 0 ? 2 : 0);
  for (const lengthBytes of [1, 2, 3, 4]) {
    const remaining = total - 1 - lengthBytes;
    const fits =
      remaining < 128 ** lengthBytes && (lengthBytes === 1 || remaining >= 128 ** (lengthBytes - 1));
    if (fits) return remaining - variable;
  }
  throw new Error(`no PUBLISH of ${total} bytes`);
}

describe('uplink inbound packet budget', () => {
  it('on a real Mosquitto: takes a downlink message of exactly the budget, skips one byte more and 16 MiB unread and acknowledged, stays up and delivers', async () => {
    expect(inboundPacketBudget(MAX_ENVELOPE)).toBe(BUDGET);
    // Persistent, like a production central broker: a restart keeps the gateway's session.
    const b = await startMosquitto({ persistence: true });
    cleanup.push(() => b.dispose());
    const central = await collectRecords(b.url, 'central/up/yard/#', 'c-inbound', false);
    cleanup.push(() => central.stop());
    const g = gateway(b.url);
    const file = (name: string, bytes: number) => {
      const f = join(g.dir, name);
      writeFileSync(f, Buffer.alloc(bytes, 0x41));
      return f;
    };
    g.uplink.start();
    // Subscribed once a small message gets through.
    const probe = file('probe', 100);
    await until(() => g.connects() === 1, 'connected');
    for (let i = 0; !g.received.some((r) => r.bytes === 100); i++) {
      if (i > 100) throw new Error('the downlink subscription never took');
      await mosquittoPub(b.port, DOWN_TOPIC, 1, probe);
      await sleep(50);
    }

    // Exactly the budget, QoS 1: read and handed to the downlink.
    const fit = payloadFor(BUDGET, DOWN_TOPIC, 1);
    await mosquittoPub(b.port, DOWN_TOPIC, 1, file('fit', fit));
    await until(() => g.received.some((r) => r.bytes === fit), 'the message of exactly the budget');
    expect(g.skips()).toEqual([]);

    // One byte more, QoS 1 and QoS 0: skipped, nothing handed to the downlink, still connected.
    await mosquittoPub(b.port, DOWN_TOPIC, 1, file('over1', payloadFor(BUDGET + 1, DOWN_TOPIC, 1)));
    await mosquittoPub(b.port, DOWN_TOPIC, 0, file('over0', payloadFor(BUDGET + 1, DOWN_TOPIC, 0)));
    await until(() => g.skips().length === 2, 'the skips of one byte over');
    expect(g.skips()[0]).toMatchObject({
      errorCode: ErrorCode.UplinkPacketRefused,
      qos: 1,
      topic: DOWN_TOPIC,
      declaredBytes: BUDGET + 1,
      maxPacketBytes: BUDGET,
    });
    expect(typeof g.skips()[0]?.packetId).toBe('number');
    expect(g.skips()[1]).toMatchObject({ qos: 0, topic: DOWN_TOPIC, declaredBytes: BUDGET + 1 });

    // 16 MiB, QoS 1: read past (the raw TCP test below measures that it is not held).
    await mosquittoPub(b.port, DOWN_TOPIC, 1, file('big', 16 * 1024 * 1024));
    await until(() => g.skips().length === 3, 'the skip of 16 MiB');
    // A message after it arrives once the 16 MiB have been read past.
    await mosquittoPub(b.port, DOWN_TOPIC, 1, probe);
    await until(() => g.received.filter((r) => r.bytes === 100).length >= 2, 'a downlink message after');
    expect(g.skips()[2]).toMatchObject({
      qos: 1,
      declaredBytes: 1 + 4 + 2 + DOWN_TOPIC.length + 2 + 16 * 1024 * 1024,
    });
    expect(g.received.filter((r) => r.bytes > fit)).toEqual([]);
    // The downlink heard of each, to refuse it to the centre (too-large, no envelope id).
    expect(g.unread).toEqual(
      g.skips().map((s) => ({ topic: DOWN_TOPIC, declaredBytes: s.declaredBytes, maxPacketBytes: BUDGET })),
    );
    expect(await g.refusedMetric()).toBe(3);
    expect(g.connects()).toBe(1);
    expect(g.refusals()).toEqual([]);

    // Records still go through, in order, none missing.
    await g.append(50);
    await until(() => central.arrivals.length >= 50, 'records delivered after the skips');
    expect(checkDelivery(g.records(), central.arrivals)).toMatchObject({
      missing: [],
      outOfOrder: 0,
      gaps: [],
    });

    // The skipped QoS 1 messages were acknowledged: the session does not send them again.
    await b.stop();
    await b.restart();
    await until(() => g.connects() === 2, 'reconnected after the broker restart');
    await mosquittoPub(b.port, DOWN_TOPIC, 1, probe);
    await until(
      () => g.received.filter((r) => r.bytes === 100).length >= 3,
      'a downlink message after the restart',
    );
    expect(g.skips()).toHaveLength(3);
  }, 60_000);

  describe('against a raw TCP central broker on loopback', () => {
    const CONNACK = Buffer.from([0x20, 0x02, 0x00, 0x00]);

    /** Answers each CONNECT with a CONNACK, then runs `first` on the first connection only. */
    /** With `tls`, a TLS server (the uplink's mqtts://). */
    async function fakeBroker(first: (s: Socket) => void, tls?: { cert: Buffer; key: Buffer }) {
      const sockets: { socket: Socket; written: number; closedAt?: number; openedAt: number }[] = [];
      const onSocket = (socket: Socket) => {
        const entry = { socket, written: 0, openedAt: performance.now() } as (typeof sockets)[number];
        sockets.push(entry);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          entry.closedAt = performance.now();
        });
        socket.once('data', () => {
          socket.write(CONNACK);
          if (sockets.length === 1) first(socket);
        });
      };
      const server: Server = tls ? createTlsServer(tls, onSocket) : createServer(onSocket);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanup.push(
        () =>
          new Promise<void>((resolve) => {
            for (const s of sockets) s.socket.destroy();
            server.close(() => resolve());
          }),
      );
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      return { url: `${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`, sockets };
    }

    it('a QoS 1 PUBLISH of 256 MiB is read past without being held, and acknowledged in its turn', async () => {
      const topic = Buffer.from('central/up/down/rules');
      const head = Buffer.concat([
        Buffer.from([0x32, 0xff, 0xff, 0xff, 0x7f, topic.length >> 8, topic.length & 0xff]),
        topic,
        Buffer.from([0x12, 0x34]),
      ]);
      const payload = MAX_REMAINING_LENGTH - (head.length - 5);
      const half = 128 * 1024 * 1024;
      const block = Buffer.alloc(1024 * 1024, 0x61);
      let heard = Buffer.alloc(0);
      let socket: Socket | undefined;
      /** Writes `bytes` of payload, minding backpressure, and resolves once the kernel has them. */
      const send = (s: Socket, bytes: number) =>
        new Promise<void>((resolve) => {
          let left = bytes;
          const pump = () => {
            while (left > 0) {
              const n = Math.min(left, block.length);
              left -= n;
              if (!s.write(block.subarray(0, n))) return void s.once('drain', pump);
            }
            s.write(Buffer.alloc(0), () => resolve());
          };
          pump();
        });
      const fake = await fakeBroker((s) => {
        socket = s;
        s.on('data', (d: Buffer) => {
          heard = Buffer.concat([heard, d]).subarray(-256);
        });
        s.write(head);
      });
      const g = gateway(fake.url);
      const baseline = await heldBytes();
      g.uplink.start();
      await until(() => socket !== undefined && g.skips().length === 1, 'the skip');
      // Its topic and packet id are all mqtt.js gets: it acknowledges at once.
      await until(() => heard.includes(Buffer.from([0x40, 0x02, 0x12, 0x34])), 'the PUBACK');
      // Half of the payload sent, and read: this process holds none of it.
      if (!socket) throw new Error('no connection');
      await send(socket, half);
      await sleep(300);
      const midway = (await heldBytes()) - baseline;
      expect(midway).toBeLessThan(8 * 1024 * 1024);
      // The rest, then a small message: read as the next packet, handed to the downlink.
      await send(socket, payload - half);
      socket.write(
        Buffer.concat([
          Buffer.from([0x32, 2 + topic.length + 2 + 5, 0, topic.length]),
          topic,
          Buffer.from([0, 1]),
          Buffer.from('after'),
        ]),
      );
      await until(() => g.received.length === 1, 'the message after', 60_000);
      expect(g.received).toEqual([{ topic: 'central/up/down/rules', bytes: 5 }]);
      await until(() => heard.includes(Buffer.from([0x40, 0x02, 0x00, 0x01])), 'its PUBACK');
      expect(g.skips()).toHaveLength(1);
      expect(g.skips()[0]).toMatchObject({
        errorCode: ErrorCode.UplinkPacketRefused,
        qos: 1,
        packetId: 0x1234,
        topic: 'central/up/down/rules',
        declaredBytes: 1 + 4 + MAX_REMAINING_LENGTH,
        maxPacketBytes: BUDGET,
      });
      expect(fake.sockets).toHaveLength(1);
      expect(g.refusals()).toEqual([]);
    }, 120_000);

    it('any other packet announcing 256 MiB is dropped at its header while it trickles; the uplink comes back after its backoff', async () => {
      let trickled = 0;
      const fake = await fakeBroker((s) => {
        // A SUBACK of 256 MiB.
        s.write(Buffer.from([0x90, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01]));
        const chunk = Buffer.alloc(16 * 1024, 0x01);
        const timer = setInterval(() => {
          if (s.destroyed || trickled >= 64 * 1024 * 1024) return clearInterval(timer);
          s.write(chunk);
          trickled += chunk.length;
        }, 2);
        s.on('close', () => clearInterval(timer));
      });
      const g = gateway(fake.url);
      g.uplink.start();
      await until(() => g.refusals().length === 1, 'the refusal');
      expect(g.refusals()[0]).toMatchObject({
        errorCode: ErrorCode.UplinkPacketRefused,
        reason: 'oversized',
        packetType: 9,
        declaredBytes: 1 + 4 + MAX_REMAINING_LENGTH,
        maxPacketBytes: BUDGET,
      });
      expect(g.refusals()[0]?.socketBytesRead).toBeLessThanOrEqual(FEW_READS);
      await until(() => fake.sockets[0]?.closedAt !== undefined, 'the first connection closed');
      // Closed well before the 64 MiB the fake would trickle: it wrote only while the socket was open.
      expect(trickled).toBeLessThan(16 * 1024 * 1024);
      await until(
        () => fake.sockets.length === 2 && g.statuses.at(-1)?.connected === true,
        'the next connection',
      );
      const first = fake.sockets[0];
      const second = fake.sockets[1];
      // The reconnect waited for the backoff (equal jitter: at least half of reconnectMinMs).
      expect((second?.openedAt ?? 0) - (first?.closedAt ?? 0)).toBeGreaterThanOrEqual(90);
      expect(g.statuses.at(-1)?.lastError).toBeUndefined();
      // The CONNACK came in the refused chunk: the attempt failed, and its retry says why.
      expect(g.lines.some((l) => l.msg === 'uplink retry' && String(l.err).includes('oversized'))).toBe(true);
    }, 30_000);

    it('over mqtts:// the meter reads the decrypted stream: a message over the budget is skipped, the next one arrives', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gatepost-inbound-tls-'));
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      const { cert, key } = makeCert(dir, 'central');
      const topic = Buffer.from('central/up/down/rules');
      const over = 8 * 1024 * 1024;
      let heard = Buffer.alloc(0);
      const fake = await fakeBroker(
        (s) => {
          s.on('data', (d: Buffer) => {
            heard = Buffer.concat([heard, d]).subarray(-256);
          });
          const variable = Buffer.concat([Buffer.from([0, topic.length]), topic, Buffer.from([0x00, 0x07])]);
          s.write(Buffer.concat([Buffer.from([0x32]), remainingLength(variable.length + over), variable]));
          s.write(Buffer.alloc(over, 0x61));
          s.write(
            Buffer.concat([
              Buffer.from([0x32, 2 + topic.length + 2 + 5, 0, topic.length]),
              topic,
              Buffer.from([0, 8]),
              Buffer.from('after'),
            ]),
          );
        },
        { cert: readFileSync(cert), key: readFileSync(key) },
      );
      const g = gateway(fake.url, { caFile: cert, rejectUnauthorized: true });
      g.uplink.start();
      await until(() => g.received.length === 1, 'the message after', 30_000);
      expect(g.received).toEqual([{ topic: 'central/up/down/rules', bytes: 5 }]);
      expect(g.skips()).toHaveLength(1);
      expect(g.skips()[0]).toMatchObject({
        qos: 1,
        packetId: 7,
        declaredBytes: 1 + 4 + 2 + topic.length + 2 + over,
      });
      await until(() => heard.includes(Buffer.from([0x40, 0x02, 0x00, 0x07])), 'its PUBACK');
      await until(() => heard.includes(Buffer.from([0x40, 0x02, 0x00, 0x08])), 'the PUBACK of the next');
      expect(heard.indexOf(Buffer.from([0x40, 0x02, 0x00, 0x07]))).toBeLessThan(
        heard.indexOf(Buffer.from([0x40, 0x02, 0x00, 0x08])),
      );
      expect(fake.sockets).toHaveLength(1);
    }, 60_000);

    it('a Remaining Length of five bytes is refused as malformed', async () => {
      const fake = await fakeBroker((s) => {
        s.write(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00]));
      });
      const g = gateway(fake.url);
      g.uplink.start();
      await until(() => g.refusals().length === 1, 'the refusal');
      expect(g.refusals()[0]).toMatchObject({
        errorCode: ErrorCode.UplinkPacketRefused,
        reason: 'malformed-length',
        packetType: 3,
      });
      await until(
        () => fake.sockets.length === 2 && g.statuses.at(-1)?.connected === true,
        'the next connection',
      );
    }, 30_000);
  });
});
