import { base64url, CompactSign } from 'jose';
import { describe, expect, it } from 'vitest';
import { DOWNLINK_JWS_TYPE, type DownlinkClaims } from '../../gateway/downlink/envelope.ts';
import { centralSigningKey, generateCentralKey, signEnvelope } from '../../gateway/downlink/envelope-sign.ts';
import { CentralKeyRing, openEnvelope } from '../../gateway/downlink/envelope-verify.ts';
import { DownlinkConfigSchema } from '../../site-config/schema.ts';

const key = generateCentralKey('hq-a');
const ring = new CentralKeyRing([key.pin]);
const now = Math.floor(Date.now() / 1000);
const claims: DownlinkClaims = {
  id: 'e-1',
  kind: 'rules',
  version: 1,
  site: 's1',
  iat: now,
  exp: now + 60,
  payload: { feverC: 37.5 },
};
const MAX = 64 * 1024;

/** A JWS with the given header over the given payload bytes, signed by the pinned key. */
async function jws(header: Record<string, unknown>, payload: unknown = claims): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'EdDSA', ...header })
    .sign(centralSigningKey(key.privateJwk));
}

/** A token with any header, its signature bytes made up (refused before any is checked). */
function raw(header: Record<string, unknown>): string {
  const part = (v: unknown) => base64url.encode(JSON.stringify(v));
  return `${part(header)}.${part(claims)}.${base64url.encode(new Uint8Array(64))}`;
}

const open = (s: string | Buffer, max = MAX) => openEnvelope(Buffer.from(s), ring, max);

describe('openEnvelope', () => {
  it('opens an envelope signed by a pinned key', async () => {
    expect(await open(await signEnvelope(claims, key.privateJwk))).toEqual({ ok: true, claims, kid: 'hq-a' });
  });

  it('refuses what it cannot trust, each with its reason, before reading further', async () => {
    const unsignedHeader = base64url.encode(JSON.stringify({ alg: 'none', typ: DOWNLINK_JWS_TYPE }));
    const body = base64url.encode(JSON.stringify(claims));
    const cases: [string, string | Promise<string>, string][] = [
      ['plain JSON', JSON.stringify(claims), 'unsigned'],
      ['alg none', `${unsignedHeader}.${body}.`, 'unsigned'],
      ['alg none with a signature', `${unsignedHeader}.${body}.AAAA`, 'unsigned'],
      ['HS256', raw({ alg: 'HS256', kid: 'hq-a', typ: DOWNLINK_JWS_TYPE }), 'unsupported-alg'],
      ['another typ', jws({ kid: 'hq-a', typ: 'JWT' }), 'malformed'],
      ['crit', raw({ alg: 'EdDSA', kid: 'hq-a', typ: DOWNLINK_JWS_TYPE, crit: ['exp'], exp: 1 }), 'unsigned'],
      ['no kid', jws({ typ: DOWNLINK_JWS_TYPE }), 'unknown-key'],
      ['claims not an envelope', jws({ kid: 'hq-a', typ: DOWNLINK_JWS_TYPE }, { hello: 1 }), 'malformed'],
      [
        'unknown kind',
        jws({ kid: 'hq-a', typ: DOWNLINK_JWS_TYPE }, { ...claims, kind: 'firmware' }),
        'malformed',
      ],
      [
        'an extra claim',
        jws({ kid: 'hq-a', typ: DOWNLINK_JWS_TYPE }, { ...claims, admin: true }),
        'malformed',
      ],
    ];
    for (const [name, token, reason] of cases) {
      expect(await open(await token), name).toMatchObject({ ok: false, reason });
    }
  });

  it('holds to its byte budget and nesting depth', async () => {
    const big = await signEnvelope({ ...claims, payload: { pad: 'x'.repeat(MAX) } }, key.privateJwk);
    expect(await open(big)).toMatchObject({ ok: false, reason: 'too-large' });
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    const nested = await jws({ kid: 'hq-a', typ: DOWNLINK_JWS_TYPE }, { ...claims, payload: deep });
    expect(await open(nested)).toMatchObject({
      ok: false,
      reason: 'malformed',
      message: expect.stringContaining('nested'),
    });
  });

  it('keys the refusal of a forgery by the id it claims, read only for the ack', async () => {
    const other = generateCentralKey('hq-a'); // same kid, another key
    expect(await open(await signEnvelope({ ...claims, id: 'forged-7' }, other.privateJwk))).toMatchObject({
      ok: false,
      reason: 'bad-signature',
      claims: { id: 'forged-7', kind: 'rules', version: 1 },
    });
  });

  it('pins at most two keys with distinct kids', () => {
    const b = generateCentralKey('hq-b').pin;
    const c = generateCentralKey('hq-c').pin;
    expect(DownlinkConfigSchema.safeParse({ centralKeys: [key.pin, b] }).success).toBe(true);
    expect(DownlinkConfigSchema.safeParse({ centralKeys: [key.pin, b, c] }).success).toBe(false);
    expect(DownlinkConfigSchema.safeParse({ centralKeys: [key.pin, { ...b, kid: 'hq-a' }] }).success).toBe(
      false,
    );
    expect(DownlinkConfigSchema.safeParse({ centralKeys: [{ kid: 'k', x: 'not-a-key' }] }).success).toBe(
      false,
    );
  });
});
