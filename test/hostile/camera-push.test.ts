import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logger.ts';
import type { CameraTemperatureEvent, PlateSightingEvent } from '../../devices/camera/camera-events.ts';
import { CamerasConfigSchema } from '../../devices/camera/config.ts';
import { CameraListener } from '../../devices/camera/listener.ts';
import { CAMERA_HTTP_BUDGET } from '../../devices/camera/listener-budget.ts';
import { MAX_DOCUMENT_BYTES } from '../../devices/camera/push-body.ts';
import { measure } from '../support/measure.ts';

/**
 * The camera push listener (devices/camera/listener.ts) under an outside attacker, over real
 * sockets on loopback: slow clients, connection floods, multipart and XML/JSON tricks, plate
 * text that is not a plate, lies in the framing, wrong secrets in bulk, many pushes at once.
 * Each refusal is a clear 4xx (and a device error event); the listener keeps answering and what
 * it committed before stays committed. Budgets are checked by time and memory of this process.
 */
const SECRET = 'hostile-plate-secret-0001';
const MAX_BODY = 2 * 1024 * 1024;
const TIMEOUT_MS = 2000;
const BUDGET_HEAP_MB = 48;
const BUDGET_RSS_MB = 96;
const CUTOFF_SLACK_MS = 2000;

const committed: PlateSightingEvent[] = [];
const temperatures: CameraTemperatureEvent[] = [];
const errorLines: string[] = [];
const refusals: { kind: string; message: string }[] = [];
let listener: CameraListener;
let port: number;
const fixture = (name: string) => readFileSync(`test/fixtures/cameras/${name}`);

beforeAll(async () => {
  const config = CamerasConfigSchema.parse({
    enabled: true,
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes: MAX_BODY,
    requestTimeoutMs: TIMEOUT_MS,
    repeatWindowMs: 0,
    plate: [{ id: 'gate-plate', lane: 'east-1', secret: SECRET }],
    thermal: [{ id: 'gate-thermal', lane: 'east-1', secret: SECRET }],
  });
  const log = createLogger({
    level: 'warn',
    destination: { write: (line: string) => errorLines.push(line) },
  });
  listener = await CameraListener.start({
    config,
    clock: new ScaledClock(1),
    log,
    commit: {
      sighting: async (e) => {
        committed.push(e);
      },
      temperature: async (e) => {
        temperatures.push(e);
      },
    },
  });
  listener.events('gate-plate')?.on('error', (e) => refusals.push({ kind: e.kind, message: e.message }));
  port = listener.port;
});

afterAll(async () => {
  await listener?.stop();
});

interface Conn {
  socket: Socket;
  received(): string;
  closed: Promise<number>;
  isClosed(): boolean;
}

/** A connection from `from` (any 127.0.0.0/8 address is this host, so a test can be many clients). */
function open(from = '127.0.0.1'): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const socket = connect({ port, host: '127.0.0.1', localAddress: from });
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('utf8');
    });
    socket.on('error', () => undefined);
    let isClosed = false;
    const closed = new Promise<number>((r) =>
      socket.on('close', () => {
        isClosed = true;
        r(performance.now() - t0);
      }),
    );
    socket.once('connect', () => resolve({ socket, received: () => text, closed, isClosed: () => isClosed }));
    socket.once('error', reject);
  });
}

const statusOf = (text: string) => {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return m ? Number(m[1]) : undefined;
};
const reasonOf = (text: string) => {
  try {
    return (JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { reason: string }).reason;
  } catch {
    return '';
  }
};

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Sends raw request bytes on a fresh connection; resolves when the server answered and closed (or 5 s). */
async function raw(head: string, body: Buffer = Buffer.alloc(0), from?: string) {
  const c = await open(from);
  c.socket.write(head);
  if (body.length > 0) c.socket.write(body);
  await Promise.race([
    c.closed,
    waitUntil(() => statusOf(c.received()) !== undefined && c.received().includes('}'), 5000),
  ]);
  c.socket.destroy();
  return { status: statusOf(c.received()), reason: reasonOf(c.received()) };
}

async function push(path: string, type: string, body: Buffer, from?: string) {
  return raw(
    `POST ${path} HTTP/1.1\r\nhost: x\r\nx-camera-secret: ${SECRET}\r\ncontent-type: ${type}\r\ncontent-length: ${body.length}\r\n\r\n`,
    body,
    from,
  );
}

const plateJson = (plate: string, more: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ plate, ...more }));

function multipart(parts: { head: string; data: Buffer }[], boundary = 'MIME_boundary_7c1f3e2a') {
  return {
    type: `multipart/form-data; boundary=${boundary}`,
    body: Buffer.concat([
      ...parts.flatMap((p) => [
        Buffer.from(`--${boundary}\r\n${p.head}\r\n\r\n`),
        p.data,
        Buffer.from('\r\n'),
      ]),
      Buffer.from(`--${boundary}--\r\n`),
    ]),
  };
}
const xmlPart = (data: Buffer) => ({
  head: 'Content-Disposition: form-data; name="anpr.xml"; filename="anpr.xml"\r\nContent-Type: text/xml',
  data,
});
const jpegPart = (name: string, data: Buffer) => ({
  head: `Content-Disposition: form-data; name="${name}"; filename="${name}"\r\nContent-Type: image/jpeg`,
  data,
});
const anpr = (plate: string) =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><EventNotificationAlert><eventType>ANPR</eventType><ANPR><licensePlate>${plate}</licensePlate></ANPR></EventNotificationAlert>`,
  );

/** A good push still gets its sighting: the listener keeps working after each attack. */
async function stillWorks(plate: string) {
  const before = committed.length;
  const r = await push('/cameras/gate-plate', 'application/json', plateJson(plate));
  expect(r).toEqual({ status: 200, reason: 'sighting stored' });
  expect(committed.length).toBe(before + 1);
  expect(committed.at(-1)?.plate).toBe(plate);
}

describe('camera push: request line and path', () => {
  it('a request target that is no URL gets 400, not 500 and an error log line', async () => {
    const lines = errorLines.length;
    for (const target of ['http://[', 'http://user:secret@[::1', 'http://x:99999/']) {
      const r = await raw(`POST ${target} HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n`);
      expect(r.status, target).toBe(400);
    }
    expect(errorLines.slice(lines)).toEqual([]);
    await stillWorks('浙A10001');
  });

  it('unknown ids, traversal and case tricks are 404 with the path cut to 80 characters', async () => {
    const heard: string[] = [];
    const off = listener.unknown.on('push', (p) => heard.push(p.path));
    for (const path of [
      '/cameras/nope',
      '/cameras/../cameras/../../etc/passwd',
      '/cameras/%2e%2e%2fgate-plate',
      '/cameras/GATE-PLATE',
      '/cameras/gate-plate/../../x',
      `/cameras/${'a'.repeat(4000)}`,
      '/cameras/gate-plate%00',
    ]) {
      const r = await push(path, 'application/json', plateJson('浙A10002'));
      expect(r.status, path).toBe(404);
    }
    off();
    expect(heard).toHaveLength(7);
    expect(Math.max(...heard.map((p) => p.length))).toBeLessThanOrEqual(80);
    expect(committed.some((e) => e.plate === '浙A10002')).toBe(false);
  });
});

describe('camera push: slow and many clients', () => {
  it('headers sent a byte every 300 ms are cut off at the headers budget; a slow body at requestTimeoutMs', async () => {
    const drip = (c: Conn, text: string) => {
      let i = 0;
      const timer = setInterval(() => {
        if (c.socket.destroyed) return clearInterval(timer);
        c.socket.write(text[i++ % text.length] ?? 'x');
      }, 300);
      void c.closed.then(() => clearInterval(timer));
    };
    const slowHeaders = await open();
    slowHeaders.socket.write('POST /cameras/gate-plate HTTP/1.1\r\nx-a: ');
    drip(slowHeaders, 'abcdefgh');
    const slowBody = await open();
    slowBody.socket.write(
      `POST /cameras/gate-plate HTTP/1.1\r\nhost: x\r\nx-camera-secret: ${SECRET}\r\ncontent-type: application/json\r\ncontent-length: 4000\r\n\r\n`,
    );
    drip(slowBody, '        ');
    const [headersMs, bodyMs] = await Promise.all([slowHeaders.closed, slowBody.closed]);
    expect(headersMs).toBeLessThan(CAMERA_HTTP_BUDGET.headersTimeoutMs + CUTOFF_SLACK_MS);
    expect(bodyMs).toBeLessThan(TIMEOUT_MS + CUTOFF_SLACK_MS);
    expect(statusOf(slowBody.received())).toBe(408);
    await stillWorks('浙A10003');
  }, 60_000);

  it('idle sockets past the per-address cap are closed at once; the listener answers after', async () => {
    const conns = await Promise.all(
      Array.from({ length: CAMERA_HTTP_BUDGET.maxConnectionsPerAddress + 50 }, () => open()),
    );
    const surplusClosed = await waitUntil(() => conns.filter((c) => c.isClosed()).length >= 50, 5000);
    await new Promise((r) => setTimeout(r, 300));
    const closed = conns.filter((c) => c.isClosed()).length;
    for (const c of conns) c.socket.destroy();
    await Promise.all(conns.map((c) => c.closed));
    expect({ surplusClosed, closed }).toEqual({ surplusClosed: true, closed: 50 });
    await new Promise((r) => setTimeout(r, 100));
    await stillWorks('浙A10004');
  }, 30_000);

  it('a wrong secret hammered 2,000 times: each a 401, fast, bounded, and the camera still gets in', async () => {
    const before = refusals.length;
    const body = plateJson('浙A66666');
    const m = await measure(async () => {
      const c = await open();
      let sent = 0;
      // Pipelined on one keep-alive connection would be refused at the first (connection: close):
      // one connection per try, 8 at a time, as a scripted attacker would.
      const one = async () => {
        while (sent < 2000) {
          sent++;
          const r = await raw(
            `POST /cameras/gate-plate HTTP/1.1\r\nhost: x\r\nx-camera-secret: wrong-${sent}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`,
            body,
          );
          if (r.status !== 401) throw new Error(`status ${r.status}`);
        }
      };
      await Promise.all(Array.from({ length: 8 }, one));
      c.socket.destroy();
    });
    expect(refusals.length - before).toBe(2000);
    expect(refusals.slice(before).every((r) => r.kind === 'wrong-secret')).toBe(true);
    expect(m.peakHeapMB).toBeLessThan(BUDGET_HEAP_MB);
    // About a millisecond each on a loaded box; a hashing or logging cost per try would show here.
    expect(m.elapsedMs).toBeLessThan(30_000);
    expect(errorLines.filter((l) => l.includes('secret'))).toEqual([]);
    await stillWorks('浙A10005');
  }, 60_000);
});

describe('camera push: framing lies', () => {
  it('a Content-Length shorter than the body: the push is read to its length, the rest is a bad request', async () => {
    const body = plateJson('浙A10006');
    const r = await raw(
      `POST /cameras/gate-plate HTTP/1.1\r\nhost: x\r\nx-camera-secret: ${SECRET}\r\ncontent-type: application/json\r\ncontent-length: ${body.length - 3}\r\n\r\n`,
      body,
    );
    expect(r.status).toBe(400);
    expect(committed.some((e) => e.plate === '浙A10006')).toBe(false);
  });

  it('a Content-Length longer than the body: 408 at requestTimeoutMs, nothing committed', async () => {
    const body = plateJson('浙A10007');
    const t0 = performance.now();
    const c = await open();
    c.socket.write(
      `POST /cameras/gate-plate HTTP/1.1\r\nhost: x\r\nx-camera-secret: ${SECRET}\r\ncontent-type: application/json\r\ncontent-length: ${body.length + 100}\r\n\r\n`,
    );
    c.socket.write(body);
    await c.closed;
    expect(statusOf(c.received())).toBe(408);
    expect(performance.now() - t0).toBeLessThan(TIMEOUT_MS + CUTOFF_SLACK_MS);
    expect(committed.some((e) => e.plate === '浙A10007')).toBe(false);
  });

  it('chunked abuse: an absurd chunk size, a megabyte chunk extension, both transfer-encoding and length', async () => {
    const head = `POST /cameras/gate-plate HTTP/1.1\r\nhost: x\r\nx-camera-secret: ${SECRET}\r\ncontent-type: application/json\r\n`;
    const huge = await raw(`${head}transfer-encoding: chunked\r\n\r\nffffffffffffffffff\r\n{}`);
    expect(huge.status).toBe(400);
    // Node caps chunk extensions itself (16 KiB) and answers 413.
    const m = await measure(async () =>
      raw(`${head}transfer-encoding: chunked\r\n\r\n10;${'x'.repeat(1024 * 1024)}\r\n`),
    );
    expect(m.value.status).toBe(413);
    expect(m.peakHeapMB).toBeLessThan(BUDGET_HEAP_MB);
    const both = await raw(
      `${head}transfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n5\r\n{"a":\r\n0\r\n\r\n`,
    );
    expect(both.status).toBe(400);
    await stillWorks('浙A10008');
  });

  it('a body exactly at maxBodyBytes is taken; one byte more is 413', async () => {
    const xml = anpr('浙A10009');
    const partsAt = (picture: number) =>
      multipart([xmlPart(xml), jpegPart('detectionPicture.jpg', Buffer.alloc(picture, 1))]);
    const overhead = partsAt(0).body.length;
    const at = partsAt(MAX_BODY - overhead);
    expect(at.body.length).toBe(MAX_BODY);
    expect(await push('/cameras/gate-plate', at.type, at.body)).toEqual({
      status: 200,
      reason: 'sighting stored',
    });
    const over = multipart([
      xmlPart(anpr('浙A10010')),
      jpegPart('detectionPicture.jpg', Buffer.alloc(MAX_BODY - overhead + 1, 1)),
    ]);
    const r = await push('/cameras/gate-plate', over.type, over.body);
    expect(r.status).toBe(413);
    expect(committed.some((e) => e.plate === '浙A10010')).toBe(false);
  }, 30_000);
});

describe('camera push: multipart tricks', () => {
  it('5,000 tiny parts: refused as too many parts, within time and memory', async () => {
    const parts = [
      xmlPart(anpr('浙A10011')),
      ...Array.from({ length: 5000 }, (_, i) => jpegPart(`p${i}.jpg`, Buffer.from([i & 0xff]))),
    ];
    const { type, body } = multipart(parts);
    const m = await measure(() => push('/cameras/gate-plate', type, body));
    expect(m.value.status).toBe(413);
    expect(m.value.reason).toMatch(/parts/);
    expect(m.elapsedMs).toBeLessThan(2000);
    expect(m.peakHeapMB).toBeLessThan(BUDGET_HEAP_MB);
    expect(committed.some((e) => e.plate === '浙A10011')).toBe(false);
  });

  it('a part header of a megabyte is not buffered: busboy keeps 80 KiB of it, the document is still read', async () => {
    const { type, body } = multipart([
      {
        head: `Content-Disposition: form-data; name="anpr.xml"\r\nX-Junk: ${'j'.repeat(1024 * 1024)}`,
        data: anpr('浙A10012'),
      },
    ]);
    const m = await measure(() => push('/cameras/gate-plate', type, body));
    expect(m.value).toEqual({ status: 200, reason: 'sighting stored' });
    expect(committed.at(-1)?.plate).toBe('浙A10012');
    expect(m.peakHeapMB).toBeLessThan(8);
    expect(m.elapsedMs).toBeLessThan(1000);
  });

  it('a nested multipart is a picture, not the document; a 200-character boundary is still read', async () => {
    const inner = multipart([xmlPart(anpr('浙A10013'))], 'inner_boundary');
    const nested = multipart([
      {
        head: `Content-Disposition: form-data; name="nested"\r\nContent-Type: ${inner.type}`,
        data: inner.body,
      },
    ]);
    const r = await push('/cameras/gate-plate', nested.type, nested.body);
    expect(r.status).toBe(400);
    expect(r.reason).toMatch(/no XML or JSON part/);
    const long = multipart([xmlPart(anpr('浙A10014'))], `b${'-'.repeat(199)}`);
    expect(await push('/cameras/gate-plate', long.type, long.body)).toEqual({
      status: 200,
      reason: 'sighting stored',
    });
    const missing = await push('/cameras/gate-plate', 'multipart/form-data', long.body);
    expect(missing).toMatchObject({ status: 400 });
  });
});

describe('camera push: XML and JSON documents', () => {
  it('XML nested 30,000 deep, 15,000 attributes, billion laughs, entity references: refused or inert, fast', async () => {
    const deep = Buffer.from(`${'<a>'.repeat(30_000)}${'</a>'.repeat(30_000)}`);
    const attrs = Buffer.from(
      `<EventNotificationAlert ${Array.from({ length: 15_000 }, (_, i) => `a${i}="${i}"`).join(' ')}><eventType>ANPR</eventType><ANPR><licensePlate>浙A10015</licensePlate></ANPR></EventNotificationAlert>`,
    );
    const laughs = Buffer.from(
      `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><EventNotificationAlert><eventType>ANPR</eventType><ANPR><licensePlate>&lol2;</licensePlate></ANPR></EventNotificationAlert>`,
    );
    const entity = anpr('&lol;浙A1&#48;016');
    const charRefs = anpr('浙A1&#48;01&#x36;');
    const m = await measure(async () => ({
      deep: await push('/cameras/gate-plate', 'text/xml', deep),
      attrs: await push('/cameras/gate-plate', 'text/xml', attrs),
      laughs: await push('/cameras/gate-plate', 'text/xml', laughs),
      entity: await push('/cameras/gate-plate', 'text/xml', entity),
      charRefs: await push('/cameras/gate-plate', 'text/xml', charRefs),
    }));
    expect(m.value.deep.status).toBe(400);
    expect(m.value.deep.reason).toBe('XML nested deeper than 32 levels');
    // Attributes are not kept: the plate under them is read.
    expect(m.value.attrs).toEqual({ status: 200, reason: 'sighting stored' });
    expect(m.value.laughs).toEqual({
      status: 400,
      reason: 'XML with a document type declaration is refused',
    });
    // An entity nobody declared is not well-formed XML (there is no DTD to declare one in).
    expect(m.value.entity).toEqual({ status: 400, reason: 'body is not well-formed XML (line 1)' });
    // Character references are characters, as XML says: 浙A1&#48;01&#x36; is 浙A10016.
    expect(m.value.charRefs).toEqual({ status: 200, reason: 'sighting stored' });
    expect(committed.at(-1)?.plate).toBe('浙A10016');
    expect(m.elapsedMs).toBeLessThan(1500);
    expect(m.peakHeapMB).toBeLessThan(BUDGET_HEAP_MB);
  });

  it('CDATA: a plate in CDATA is read; markup inside CDATA is text, not structure', async () => {
    const r = await push('/cameras/gate-plate', 'text/xml', anpr('<![CDATA[浙A10017]]>'));
    expect(r).toEqual({ status: 200, reason: 'sighting stored' });
    expect(committed.at(-1)?.plate).toBe('浙A10017');
    const trick = await push(
      '/cameras/gate-plate',
      'text/xml',
      anpr('<![CDATA[</licensePlate><licensePlate>浙A99999]]>'),
    );
    expect(trick.status).toBe(422);
    expect(committed.some((e) => e.plate === '浙A99999')).toBe(false);
  });

  it('JSON nested 100,000 deep and numbers that overflow: clear 400 and 422', async () => {
    const deep = await push('/cameras/gate-plate', 'application/json', Buffer.from('['.repeat(100_000)));
    expect(deep).toMatchObject({ status: 400, reason: 'JSON nested deeper than 32 levels' });
    for (const more of ['"confidence":1e999', '"at":1e300', '"colour":1e400', '"at":-1']) {
      const r = await push(
        '/cameras/gate-plate',
        'application/json',
        Buffer.from(`{"plate":"浙A10018",${more}}`),
      );
      expect(r.status, more).toBe(422);
    }
    const t = await push('/cameras/gate-thermal', 'application/json', Buffer.from('{"temperature":1e999}'));
    expect(t.status).toBe(422);
    expect(committed.some((e) => e.plate === '浙A10018')).toBe(false);
  });
});

describe('camera push: text that is not a plate', () => {
  it("control characters and RTL overrides are dropped from the plate (an escape sequence's letters are not); a 10 KB plate is refused", async () => {
    const r = await push(
      '/cameras/gate-plate',
      'application/json',
      plateJson('\u202e浙\u0000A\u001b[31m1\u200f0019\u202d'),
    );
    expect(r.status).toBe(200);
    expect(committed.at(-1)?.plate).toBe('浙A31M10019');
    const long = await push('/cameras/gate-plate', 'text/xml', anpr(`浙A${'1'.repeat(10_000)}`));
    expect(long.status).toBe(422);
    const longJson = await push(
      '/cameras/gate-plate',
      'application/json',
      plateJson(`浙A${'1'.repeat(10_000)}`),
    );
    expect(longJson.status).toBe(422);
  });

  it('an event id or event type with control characters or of 100 KB is not carried into records or health', async () => {
    const r = await push(
      '/cameras/gate-plate',
      'application/json',
      plateJson('浙A10020', { eventId: 'ok\u202e\u0000id' }),
    );
    expect(r.status).toBe(422);
    const health: string[] = [];
    const off = listener.events('gate-plate')?.on('health', (h) => health.push(h.reason));
    const beat = await push(
      '/cameras/gate-plate',
      'text/xml',
      Buffer.from(
        `<EventNotificationAlert><eventType>${'v'.repeat(100_000)}\u202e</eventType></EventNotificationAlert>`,
      ),
    );
    off?.();
    expect(beat.status).toBe(200);
    expect(beat.reason.length).toBeLessThan(200);
    expect(health.every((h) => h.length < 300)).toBe(true);
    const xmlId = await push(
      '/cameras/gate-plate',
      'text/xml',
      Buffer.from(
        '<EventNotificationAlert><eventType>ANPR</eventType><UUID>a\u202eb</UUID><ANPR><licensePlate>浙A10021</licensePlate></ANPR></EventNotificationAlert>',
      ),
    );
    expect(xmlId.status).toBe(200);
    expect(committed.at(-1)).toMatchObject({ plate: '浙A10021' });
    expect(committed.at(-1)?.eventId).toBeUndefined();
  });

  it('bytes that are neither UTF-8 nor GBK, and UTF-8 declared as GBK, are refused or read as the declaration says', async () => {
    const mixed = Buffer.concat([
      Buffer.from('{"plate":"浙A'),
      Buffer.from([0xff, 0xfe, 0x80]),
      Buffer.from('10022"}'),
    ]);
    const r = await push('/cameras/gate-plate', 'application/json', mixed);
    expect(r).toMatchObject({ status: 400, reason: 'body is neither UTF-8 nor GBK' });
    const gbk = fixture('hikvision-anpr-gbk.xml');
    const ok = await push('/cameras/gate-plate', 'text/xml', gbk);
    expect(ok.status).toBe(200);
  });
});

describe('camera push: many at once', () => {
  it('200 pushes of 2 MB bare documents at once from 20 addresses: each answered 413 or turned away, memory bounded', async () => {
    const body = Buffer.alloc(MAX_BODY - 1024, 0x20);
    body.write('{"plate":"浙A10023"}', 0);
    const m = await measure(async () =>
      Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          push('/cameras/gate-plate', 'application/json', body, `127.0.0.${2 + (i % 20)}`),
        ),
      ),
    );
    const answered = m.value.filter((r) => r.status !== undefined);
    // A bare document has the document's budget (256 KiB), not the pictures': refused at its declared length.
    expect(MAX_DOCUMENT_BYTES).toBeLessThan(MAX_BODY);
    expect(answered.length).toBeGreaterThan(100);
    // 413 at the declared length, 503 past maxPushesInFlight, 408 when a loaded box did not get
    // to the headers within their timeout: each a clear answer.
    for (const r of answered) expect([408, 413, 503]).toContain(r.status);
    expect(answered.filter((r) => r.status === 413).length).toBeGreaterThan(50);
    expect(answered.filter((r) => r.status === 413)[0]?.reason).toMatch(
      /document is larger than 262144 bytes/,
    );
    expect(committed.some((e) => e.plate === '浙A10023')).toBe(false);
    expect(m.peakHeapMB).toBeLessThan(BUDGET_HEAP_MB);
    expect(m.peakRssMB).toBeLessThan(BUDGET_RSS_MB);
    await stillWorks('浙A10024');
  }, 60_000);

  it('pushes whose bodies are still arriving are capped at maxPushesInFlight: the rest get 503 at once', async () => {
    const max = CAMERA_HTTP_BUDGET.maxPushesInFlight;
    const conns = await Promise.all(
      Array.from({ length: max + 10 }, (_, i) => open(`127.0.1.${1 + (i % 4)}`)),
    );
    for (const c of conns)
      c.socket.write(
        `POST /cameras/gate-plate HTTP/1.1\r\nhost: x\r\nx-camera-secret: ${SECRET}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"pla`,
      );
    const busy = () => conns.filter((c) => statusOf(c.received()) === 503).length;
    expect(await waitUntil(() => busy() >= 10, 3000)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(busy()).toBe(10);
    expect(reasonOf(conns.find((c) => statusOf(c.received()) === 503)?.received() ?? '')).toBe(
      'too many pushes at once; push it again',
    );
    // The held ones time out (408) and give their slots back.
    await Promise.all(conns.map((c) => c.closed));
    expect(conns.filter((c) => statusOf(c.received()) === 408)).toHaveLength(max);
    await stillWorks('浙A10025');
  }, 30_000);

  it('what was committed before the attacks is all still there', () => {
    const plates = committed.map((e) => e.plate);
    for (const p of ['浙A10001', '浙A10003', '浙A10004', '浙A10005', '浙A10009', '浙A10014', '浙A10017'])
      expect(plates).toContain(p);
    expect(temperatures).toEqual([]);
  });
});
