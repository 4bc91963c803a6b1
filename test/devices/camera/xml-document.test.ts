import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../../devices/camera/body-text.ts';
import { readXml, type XmlValue } from '../../../devices/camera/xml-document.ts';

/** A tree of elements as readXml gives it back: text leaves, children by name, repeats as lists. */
type Tree = { name: string; text: string } | { name: string; children: Tree[] };

const escapeText = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const toXml = (t: Tree): string =>
  'text' in t
    ? `<${t.name}>${escapeText(t.text)}</${t.name}>`
    : `<${t.name}>${t.children.map(toXml).join('')}</${t.name}>`;

/** What readXml should give for a tree's children. */
function expected(children: Tree[]): { [name: string]: XmlValue | XmlValue[] } {
  const out: { [name: string]: XmlValue | XmlValue[] } = {};
  for (const c of children) {
    const v: XmlValue = 'text' in c ? c.text.trim() : c.children.length ? expected(c.children) : '';
    const before = out[c.name];
    out[c.name] = before === undefined ? v : Array.isArray(before) ? [...before, v] : [before, v];
  }
  return out;
}

const name = fc.constantFrom('a', 'b', 'licensePlate', 'ANPR', 'x1', 'plate_no');
const text = fc.string({ maxLength: 12 });
const tree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ name, text }),
    fc.record({ name, children: fc.array(tie('tree'), { maxLength: 4 }) }),
  ),
})).tree;

describe('readXml: a camera document read into plain values', () => {
  it('gives back any tree of elements: text trimmed, names that repeat as lists', () => {
    fc.assert(
      fc.property(tree, (t) => {
        const r = readXml(toXml(t), 64);
        expect(r).toEqual({ ok: true, value: expected([t]) });
      }),
      { numRuns: 300 },
    );
  });

  it('drops namespace prefixes, attributes, comments and processing instructions; reads CDATA and references', () => {
    const r = readXml(
      `<?xml version="1.0" encoding="GB2312"?>
       <!-- a comment --><isapi:EventNotificationAlert xmlns:isapi="urn:x" version="2.0">
         <isapi:eventType id="7">ANPR</isapi:eventType><?pi data?>
         <ANPR><licensePlate><![CDATA[浙A1<0>]]></licensePlate><note>a &amp; b &#x41;&#66;</note><empty/></ANPR>
       </isapi:EventNotificationAlert>`,
      32,
    );
    expect(r).toEqual({
      ok: true,
      value: {
        EventNotificationAlert: {
          eventType: 'ANPR',
          ANPR: { licensePlate: '浙A1<0>', note: 'a & b AB', empty: '' },
        },
      },
    });
  });

  it('keeps text beside child elements as #text', () => {
    expect(readXml('<a> lead <b>x</b> tail </a>', 8)).toEqual({
      ok: true,
      value: { a: { b: 'x', '#text': 'lead  tail' } },
    });
  });

  it('counts nesting as elements open: the budget itself is read, one deeper is too deep', () => {
    const nest = (n: number) => `${'<a>'.repeat(n)}x${'</a>'.repeat(n)}`;
    expect(readXml(nest(32), 32).ok).toBe(true);
    expect(readXml(nest(33), 32)).toEqual({ ok: false, kind: 'too-deep' });
    // Found as it opens: 30,000 levels are refused without building them.
    expect(readXml(nest(30_000), 32)).toEqual({ ok: false, kind: 'too-deep' });
  });

  it.each([
    ['crossed tags', '<a><b></a></b>'],
    ['an unclosed element', '<a><b>x</b>'],
    ['two roots', '<a/><b/>'],
    ['text after the root', '<a/>tail'],
    ['a bare ampersand', '<a>fish & chips</a>'],
    ['an undeclared entity', '<a>&lol;</a>'],
    ['a character XML does not allow', '<a>&#1;</a>'],
    ['no element at all', 'just text'],
    ['an attribute without quotes', '<a b=c/>'],
  ])('%s is malformed', (_what, xml) => {
    expect(readXml(xml, 32)).toMatchObject({ ok: false, kind: 'malformed' });
  });

  it('says on which line the document stopped being XML', () => {
    expect(readXml('<a>\n<b>\n</c>\n</a>', 32)).toEqual({ ok: false, kind: 'malformed', line: 3 });
  });
});

describe('readXml against fast-xml-parser, an independent reader', () => {
  // The cameras' documents in the fixtures (Hikvision ANPR, its GBK twin, a heartbeat, a
  // thermometry alarm), read by both: the same values, element for element.
  const fixtures = readdirSync('test/fixtures/cameras').filter((f) => f.endsWith('.xml'));
  const peer = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    parseTagValue: false,
    trimValues: true,
  });

  it.each(fixtures)('%s reads the same', (file) => {
    const text = decodeBody(readFileSync(`test/fixtures/cameras/${file}`))?.text ?? '';
    expect(text).toContain('<');
    const ours = readXml(text.trim(), 32);
    expect(ours).toEqual({ ok: true, value: peer.parse(text) });
  });

  it('and the same for random trees of elements', () => {
    fc.assert(
      fc.property(tree, (t) => {
        const xml = toXml(t);
        expect(readXml(xml, 64)).toEqual({ ok: true, value: peer.parse(xml) });
      }),
      { numRuns: 300 },
    );
  });
});
