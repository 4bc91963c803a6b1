import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBody, MAX_DEPTH, parseBody } from '../../../devices/camera/body-text.ts';
import { readPlatePush } from '../../../devices/camera/plate-push.ts';
import { readThermalPush, toCelsius } from '../../../devices/camera/thermal-push.ts';

const fixture = (name: string) => readFileSync(`test/fixtures/cameras/${name}`);

function plateOf(bytes: Buffer, charset?: string) {
  const doc = parseBody(bytes, charset);
  if (!doc.ok) throw new Error(doc.message);
  return readPlatePush(doc.value);
}

describe('camera bodies as cameras send them', () => {
  it('reads a Hikvision ISAPI ANPR alert (UTF-8, colour word before the province)', () => {
    const r = plateOf(fixture('hikvision-anpr.xml'));
    expect(r).toEqual({
      kind: 'read',
      read: {
        raw: '蓝浙AX2P12',
        plate: '浙AX2P12',
        colour: 'blue',
        confidence: 96,
        cameraAt: Date.parse('2026-03-14T08:41:07.512+08:00'),
        eventId: '7c1f3e2a-5b0d-4e11-9a3c-1d2e3f4a5b6c',
        direction: 'in',
      },
    });
  });

  it('reads the GB2312 alert of Chinese-market firmware (GBK bytes, full-width plate)', () => {
    const bytes = fixture('hikvision-anpr-gbk.xml');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    expect(decodeBody(bytes)?.encoding).toBe('gbk');
    const r = plateOf(bytes);
    expect(r.kind === 'read' && r.read).toMatchObject({
      plate: '粤B12345',
      colour: 'yellow',
      confidence: 91,
    });
    // Undeclared GBK (no XML declaration, no charset) is recognised too.
    const bare = Buffer.from(bytes.toString('latin1').replace(/^<\?xml[^>]*\?>/, ''), 'latin1');
    expect(plateOf(bare).kind).toBe('read');
  });

  it('reads the generic JSON shape', () => {
    const r = plateOf(fixture('generic-plate.json'));
    expect(r.kind === 'read' && r.read).toMatchObject({
      plate: '苏ED12345',
      colour: 'yellow-green',
      confidence: 88.5,
      eventId: 'cam7-000123',
      direction: 'in',
    });
  });

  it('takes a heartbeat as no read', () => {
    expect(plateOf(fixture('hikvision-heartbeat.xml'))).toEqual({ kind: 'other', eventType: 'videoloss' });
  });

  it('reads body temperature in °F (faceCapture JSON) and °C (TMA XML)', () => {
    const face = parseBody(fixture('hikvision-facecapture-temperature.json'));
    expect(face.ok && readThermalPush(face.value)).toMatchObject({
      kind: 'read',
      read: {
        objectC: 38,
        value: 100.4,
        unit: 'fahrenheit',
        abnormal: true,
        thresholdC: 37.5,
        eventType: 'faceCapture',
      },
    });
    const tma = parseBody(fixture('hikvision-thermometry-tma.xml'));
    expect(tma.ok && readThermalPush(tma.value)).toMatchObject({
      kind: 'read',
      read: { objectC: 37.9, unit: 'celsius', thresholdC: 37.3, eventType: 'TMA' },
    });
  });
});

describe('bad bodies', () => {
  it('refuses malformed XML and JSON, a DTD, over-deep nesting and bytes in no encoding', () => {
    const refused = (text: string | Buffer) => {
      const r = parseBody(typeof text === 'string' ? Buffer.from(text) : text);
      return r.ok ? 'ok' : r.kind;
    };
    expect(refused('<EventNotificationAlert><eventType>ANPR</eventType>')).toBe('malformed');
    expect(refused('{"plate": "浙A1')).toBe('malformed');
    expect(refused('plate=浙A12345')).toBe('malformed');
    expect(
      refused(
        '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx"><!ENTITY y "&x;&x;&x;&x;">]><a>&y;</a>',
      ),
    ).toBe('malformed');
    expect(refused(`${'<a>'.repeat(MAX_DEPTH + 5)}x${'</a>'.repeat(MAX_DEPTH + 5)}`)).toBe('too-deep');
    expect(refused(`${'['.repeat(MAX_DEPTH + 5)}${']'.repeat(MAX_DEPTH + 5)}`)).toBe('too-deep');
    expect(refused(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0xff, 0x3c, 0x2f, 0x61, 0x3e]))).toBe('bad-encoding');
  });

  it('a plate that normalises to nothing is refused with its reason', () => {
    const r = plateOf(
      Buffer.from(
        '<EventNotificationAlert><eventType>ANPR</eventType><ANPR><licensePlate>noPlate</licensePlate></ANPR></EventNotificationAlert>',
      ),
    );
    expect(r).toMatchObject({ kind: 'refused', reason: 'no-plate' });
    expect(plateOf(Buffer.from('{"plate": " · "}'))).toMatchObject({ kind: 'refused', reason: 'no-plate' });
    expect(plateOf(Buffer.from('{"licence": "浙A12345"}'))).toMatchObject({
      kind: 'refused',
      reason: 'not-a-plate-push',
    });
  });

  it('never throws on arbitrary bytes, XML-ish text or JSON values', () => {
    const xmlish = fc
      .array(
        fc.constantFrom(
          '<a>',
          '</a>',
          '<ANPR>',
          '</ANPR>',
          '<licensePlate>',
          '</licensePlate>',
          '浙A1',
          '&amp;',
          '&x;',
          '<!--',
          '-->',
          '<![CDATA[',
          ']]>',
          ' ',
          '"',
        ),
        { maxLength: 40 },
      )
      .map((parts) => `<EventNotificationAlert>${parts.join('')}</EventNotificationAlert>`);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
          xmlish.map((s) => Buffer.from(s)),
          fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
        ),
        (bytes) => {
          const doc = parseBody(bytes);
          if (doc.ok) {
            readPlatePush(doc.value);
            readThermalPush(doc.value);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('converts °F and K to °C, and round trips', () => {
    fc.assert(
      fc.property(fc.double({ min: 30, max: 45, noNaN: true }), (c) => {
        expect(toCelsius(c * 1.8 + 32, 'fahrenheit')).toBeCloseTo(c, 1);
        expect(toCelsius(c + 273.15, 'kelvin')).toBeCloseTo(c, 1);
        expect(toCelsius(c, 'celsius')).toBeCloseTo(c, 2);
      }),
    );
    expect(toCelsius(98.6, 'fahrenheit')).toBe(37);
  });

  it('refuses a temperature no person has, and an unknown unit', () => {
    const read = (o: unknown) => readThermalPush(o);
    expect(read({ temperature: 20, unit: 'celsius' })).toMatchObject({
      kind: 'refused',
      reason: 'implausible',
    });
    expect(read({ temperature: 37, unit: 'rankine' })).toMatchObject({ kind: 'refused', reason: 'bad-unit' });
    expect(read({ eventType: 'faceCapture' })).toMatchObject({ kind: 'refused', reason: 'no-temperature' });
  });
});
