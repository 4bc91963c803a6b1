import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logger.ts';
import { type ParsedBody, parseBody } from '../../devices/camera/body-text.ts';
import type { PlateSightingEvent } from '../../devices/camera/camera-events.ts';
import { CamerasConfigSchema } from '../../devices/camera/config.ts';
import { CameraListener } from '../../devices/camera/listener.ts';
import { MAX_DOCUMENT_BYTES } from '../../devices/camera/push-body.ts';
import { measure } from '../support/measure.ts';

/**
 * The camera XML reader (devices/camera/xml-document.ts, saxes underneath) against hostile and
 * unlucky documents, through parseBody and once through a real push on loopback. Each input ends
 * in a value or a clear refusal, within the document cap's time and memory, and no element name
 * reaches Object.prototype or its methods.
 */
const utf8 = (s: string) => new TextEncoder().encode(s);
const xml = (s: string) => parseBody(utf8(s));
const readValue = (r: ParsedBody) => {
  expect(r.ok).toBe(true);
  return r.ok ? r.value : undefined;
};
const kindOf = (r: ParsedBody) => (r.ok ? 'ok' : r.kind);

/** A document of `unit` repeated to just under the listener's cap for a bare document. */
const filled = (open: string, unit: string, close: string) =>
  open + unit.repeat(Math.floor((MAX_DOCUMENT_BYTES - open.length - close.length) / unit.length)) + close;

describe('camera XML: element names that are Object.prototype names', () => {
  it('__proto__, constructor, toString, hasOwnProperty are fields like any other', () => {
    expect(
      readValue(
        xml(
          '<a><__proto__><polluted>yes</polluted></__proto__><constructor>1</constructor><toString>2</toString><hasOwnProperty>3</hasOwnProperty><valueOf>4</valueOf></a>',
        ),
      ),
    ).toEqual({
      a: {
        ['__proto__']: { polluted: 'yes' },
        constructor: '1',
        toString: '2',
        hasOwnProperty: '3',
        valueOf: '4',
      },
    });
    const a = (
      readValue(
        xml('<a><__proto__>1</__proto__><__proto__>2</__proto__><p:__proto__>3</p:__proto__></a>'),
      ) as {
        a: object;
      }
    ).a;
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(a, '__proto__')?.value).toEqual(['1', '2', '3']);
    expect(JSON.parse(JSON.stringify(readValue(xml('<__proto__><x>1</x></__proto__>'))))).toEqual(
      JSON.parse('{"__proto__":{"x":"1"}}'),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
  });

  it('a plate under an element named constructor is still read from a real document shape', () => {
    const r = xml(
      '<EventNotificationAlert><constructor/><eventType>ANPR</eventType><ANPR><toString>x</toString><licensePlate>浙A10031</licensePlate></ANPR></EventNotificationAlert>',
    );
    expect(readValue(r)).toEqual({
      EventNotificationAlert: {
        constructor: '',
        eventType: 'ANPR',
        ANPR: { toString: 'x', licensePlate: '浙A10031' },
      },
    });
  });
});

describe('camera XML: refused as malformed or bad encoding', () => {
  const malformed: [string, string][] = [
    ['&#0;', '<a><b>&#0;</b></a>'],
    ['a lone surrogate reference', '<a><b>&#xD800;</b></a>'],
    ['a reference past U+10FFFF', '<a><b>&#x110000;</b></a>'],
    ['a 20-digit reference', '<a><b>&#99999999999999999999;</b></a>'],
    [']]> in text', '<a><b>x]]>y</b></a>'],
    ['CDATA inside CDATA', '<a><b><![CDATA[<![CDATA[x]]>]]></b></a>'],
    ['the declaration after the root', '<a/><?xml version="1.0"?>'],
    ['the declaration after a comment', '<!--c--><?xml version="1.0"?><a>1</a>'],
    ['a declaration inside the root', '<a><?xml version="1.0"?><b>1</b></a>'],
    ['a raw C0 control character', '<a><b>x\u0001y</b></a>'],
    ['XML 1.1 with raw C1 characters', '<?xml version="1.1"?><a><b>x\u0085y\u0080z</b></a>'],
    ['an attribute twice', '<a><b c="1" c="2">x</b></a>'],
    ['< in an attribute', '<r><b c="<">1</b></r>'],
    ['text after the root', '<r>1</r>x'],
    ['two roots', '<r>1</r><r>2</r>'],
    ['an unterminated 256 KiB comment', `<r><!--${'x'.repeat(MAX_DOCUMENT_BYTES)}`],
    ['an unterminated 256 KiB attribute', `<r a="${'x'.repeat(MAX_DOCUMENT_BYTES)}`],
    ['an unterminated 256 KiB CDATA', `<r><![CDATA[${'x'.repeat(MAX_DOCUMENT_BYTES)}`],
  ];
  it.each(malformed)('%s', (_, doc) => {
    const r = xml(doc);
    expect(kindOf(r)).toBe('malformed');
    if (!r.ok) expect(r.message).toMatch(/^body is not well-formed XML \(line \d+\)$/);
  });

  it('text before the root is not XML; a UTF-16 body (either BOM) is bad encoding', () => {
    expect(xml('x<r>1</r>')).toEqual({
      ok: false,
      kind: 'malformed',
      message: 'body is neither XML nor JSON',
    });
    const le = Buffer.from('\ufeff<a><b>1</b></a>', 'utf16le');
    const be = Buffer.from(le).swap16();
    for (const bytes of [le, be]) expect(kindOf(parseBody(new Uint8Array(bytes)))).toBe('bad-encoding');
  });
});

describe('camera XML: unlucky but readable', () => {
  it('CDATA split around ]]>, a BOM then whitespace then the declaration, processing instructions anywhere', () => {
    expect(readValue(xml('<a><b><![CDATA[x]]]]><![CDATA[>y]]></b></a>'))).toEqual({ a: { b: 'x]]>y' } });
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('  \n<?xml version="1.0"?><a>1</a>')]);
    expect(readValue(parseBody(bom))).toEqual({ a: '1' });
    expect(
      readValue(xml('<?xml version="1.0"?><?p1 x?><a><?p y?><b><?p z?>1<?p?></b><?p?></a><?p end?>')),
    ).toEqual({
      a: { b: '1' },
    });
  });

  it('characters: references and pairs decode; XML 1.1 allows &#1;; XML 1.0 keeps raw C1 as text', () => {
    expect(readValue(xml('<a><b>&#x1F600;😀</b></a>'))).toEqual({ a: { b: '😀😀' } });
    expect(readValue(xml('<?xml version="1.1"?><a><b>x&#1;y</b></a>'))).toEqual({ a: { b: 'x\u0001y' } });
    expect(readValue(xml('<a><b>x\u0085y\u0080z</b></a>'))).toEqual({ a: { b: 'x\u0085y\u0080z' } });
  });

  it('GBK bytes declared as UTF-8 are read as GBK', () => {
    const bytes = new Uint8Array([
      ...utf8('<?xml version="1.0" encoding="UTF-8"?><a><b>'),
      0xbe,
      0xa9,
      0x41,
      ...utf8('</b></a>'),
    ]);
    expect(parseBody(bytes)).toEqual({
      ok: true,
      format: 'xml',
      value: { a: { b: '京A' } },
      encoding: 'gbk',
    });
  });

  it('prefixes: undeclared ones are dropped like declared ones; a name is cut at its first colon', () => {
    expect(readValue(xml('<a:b><c:d>1</c:d></a:b>'))).toEqual({ b: { d: '1' } });
    expect(readValue(xml('<r><:a>1</:a><a:>2</a:><a:b:c>3</a:b:c></r>'))).toEqual({
      r: { a: '1', '': '2', 'b:c': '3' },
    });
  });

  it('a 100 KB element name, 30,000 siblings of one name, mixed content in 50,000 pieces', () => {
    const name = 'n'.repeat(100 * 1024);
    expect(readValue(xml(`<r><${name}>1</${name}></r>`))).toEqual({ r: { [name]: '1' } });
    const siblings = readValue(xml(`<r>${'<i>1</i>'.repeat(30_000)}</r>`)) as { r: { i: string[] } };
    expect(siblings.r.i).toHaveLength(30_000);
    const mixed = readValue(xml(`<r>${'t<i/>'.repeat(50_000)}</r>`)) as {
      r: { i: string[]; '#text': string };
    };
    expect(mixed.r.i).toHaveLength(50_000);
    expect(mixed.r['#text']).toBe('t'.repeat(50_000));
  });
});

describe('camera XML: 256 KiB of the costliest shapes, within budget', () => {
  const shapes: [string, string, (r: ParsedBody) => void][] = [
    [
      'comments',
      filled('<r><b>1</b>', '<!--x-->', '</r>'),
      (r) => expect(readValue(r)).toEqual({ r: { b: '1' } }),
    ],
    [
      'one attribute value',
      `<r><b c="${'x'.repeat(MAX_DOCUMENT_BYTES - 20)}">1</b></r>`,
      (r) => expect(kindOf(r)).toBe('ok'),
    ],
    [
      '24,000 attributes',
      `<r><b ${Array.from({ length: 24_000 }, (_, i) => `a${i}="1"`).join(' ')}/></r>`,
      (r) => expect(readValue(r)).toEqual({ r: { b: '' } }),
    ],
    [
      '25,000 distinct names',
      `<r>${Array.from({ length: 25_000 }, (_, i) => `<n${i}/>`).join('')}</r>`,
      (r) => expect(Object.keys((readValue(r) as { r: object }).r)).toHaveLength(25_000),
    ],
    ['text between comments', filled('<r>', 'x<!---->', '</r>'), (r) => expect(kindOf(r)).toBe('ok')],
    ['CDATA pieces', filled('<r>', '<![CDATA[x]]>', '</r>'), (r) => expect(kindOf(r)).toBe('ok')],
    ['carriage returns', filled('<r>', '\r', '</r>'), (r) => expect(readValue(r)).toEqual({ r: '' })],
    [
      '32-deep trees side by side',
      filled('<r>', `${'<a>'.repeat(31)}${'</a>'.repeat(31)}`, '</r>'),
      (r) => expect(kindOf(r)).toBe('ok'),
    ],
    [
      '__proto__ siblings',
      filled('<r>', '<__proto__/>', '</r>'),
      (r) =>
        expect(
          Array.isArray(
            Object.getOwnPropertyDescriptor((readValue(r) as { r: object }).r, '__proto__')?.value,
          ),
        ).toBe(true),
    ],
  ];
  it.each(shapes)('%s', async (_, doc, check) => {
    const bytes = utf8(doc);
    expect(bytes.length).toBeLessThanOrEqual(MAX_DOCUMENT_BYTES);
    const m = await measure(async () => parseBody(bytes));
    check(m.value);
    // Synchronous work: the heap is sampled at its end, so this is what the result and garbage hold.
    expect(m.elapsedMs).toBeLessThan(500);
    expect(m.peakHeapMB).toBeLessThan(48);
  });
});

describe('camera XML: a real push on loopback', () => {
  const SECRET = 'hostile-xml-secret-0001';
  const committed: PlateSightingEvent[] = [];
  let listener: CameraListener;
  beforeAll(async () => {
    listener = await CameraListener.start({
      config: CamerasConfigSchema.parse({
        enabled: true,
        host: '127.0.0.1',
        port: 0,
        repeatWindowMs: 0,
        plate: [{ id: 'gate-plate', lane: 'east-1', secret: SECRET }],
      }),
      clock: new ScaledClock(1),
      log: createLogger({ level: 'silent' }),
      commit: {
        sighting: async (e) => {
          committed.push(e);
        },
        temperature: async () => undefined,
      },
    });
  });
  afterAll(async () => {
    await listener?.stop();
  });
  const push = async (body: Uint8Array) => {
    const res = await fetch(`http://127.0.0.1:${listener.port}/cameras/gate-plate`, {
      method: 'POST',
      headers: { 'x-camera-secret': SECRET, 'content-type': 'text/xml' },
      body: Buffer.from(body),
    });
    return { status: res.status, reason: ((await res.json()) as { reason: string }).reason };
  };

  it('an ANPR alert padded to the cap with comments and Object.prototype names is stored; a lone surrogate is 400', async () => {
    const doc = `<EventNotificationAlert><__proto__><eventType>HEARTBEAT</eventType></__proto__><constructor/><eventType>ANPR</eventType><ANPR><toString/><licensePlate>浙A10032</licensePlate></ANPR>`;
    const body = utf8(filled(doc, '<!--x-->', '</EventNotificationAlert>'));
    const m = await measure(async () => ({
      padded: await push(body),
      surrogate: await push(
        utf8(
          '<EventNotificationAlert><eventType>ANPR</eventType><ANPR><licensePlate>&#xD800;</licensePlate></ANPR></EventNotificationAlert>',
        ),
      ),
    }));
    expect(m.value.padded).toEqual({ status: 200, reason: 'sighting stored' });
    expect(committed.at(-1)?.plate).toBe('浙A10032');
    expect(m.value.surrogate).toEqual({ status: 400, reason: 'body is not well-formed XML (line 1)' });
    expect(m.elapsedMs).toBeLessThan(1500);
    expect(m.peakHeapMB).toBeLessThan(48);
  });
});
