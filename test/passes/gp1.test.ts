import { createPrivateKey, sign as signNode } from 'node:crypto';
import { CompactSign, generateKeyPair } from 'jose'; // key-generation: never exported
import { beforeAll, describe, expect, test } from 'vitest';
import { newEd25519Jwks } from '../../core/ed25519-key-pair.ts';
import { verifyGp1 } from '../../gateway/passes/gp1.ts';
import { buildTrustStore, emptyTrustStore, type TrustStore } from '../../gateway/passes/trust-list.ts';
import { type Verdict, VerdictSchema } from '../../gateway/passes/verdict.ts';
import { verifyPass } from '../../gateway/passes/verifier.ts';
import { context, type Gp1Signer, gp1Claims, gp1Signer } from './helpers.ts';

const AT = Date.UTC(2026, 10, 22, 8, 0, 0);
const SKEW_MS = 300_000;

let issuer: Gp1Signer;
let trust: TrustStore;

beforeAll(async () => {
  issuer = await gp1Signer('gp-2026-1');
  trust = await buildTrustStore({ keys: [issuer.publicJwk as never] });
});

async function verify(code: string, at = AT, store = trust): Promise<Verdict> {
  const verdict = await verifyGp1(code, context(store, at));
  expect(VerdictSchema.parse(verdict)).toEqual(verdict);
  return verdict;
}

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url');
}

describe('GP1 pass', () => {
  test('a pass signed by a trusted key verifies, with its facts', async () => {
    const claims = gp1Claims(AT);
    const v = await verify(await issuer.sign(claims));
    expect(v).toMatchObject({
      kind: 'GP1',
      valid: true,
      reasons: [],
      steps: { unprefix: true, decode: true, signature: true, expiry: true, schema: true },
    });
    expect(v.steps).not.toHaveProperty('base45');
    expect(v.steps).not.toHaveProperty('keyUsage');
    const test = claims.test as { at: number };
    expect(v.facts).toEqual({
      plate: claims.plate,
      subject: claims.sub,
      name: claims.name,
      color: 'green',
      tests: [{ kind: 'antigen', result: 'negative', at: test.at * 1000 }],
      certificateType: 'native',
      origin: claims.origin,
      destination: claims.dest,
      issuedAt: (claims.iat as number) * 1000,
      expiresAt: (claims.exp as number) * 1000,
    });
  });

  test('the optional claims may be left out', async () => {
    const { name: _n, test: _t, origin: _o, dest: _d, ...minimal } = gp1Claims(AT);
    const v = await verify(await issuer.sign(minimal));
    expect(v.valid).toBe(true);
    expect(v.facts.tests).toEqual([]);
    expect(v.facts).not.toHaveProperty('name');
    // A pass without a route: no route rule can fire on it.
    expect(v.facts).not.toHaveProperty('origin');
    expect(v.facts).not.toHaveProperty('destination');
  });

  test('bad prefix', async () => {
    const good = await issuer.sign(gp1Claims(AT));
    for (const code of [`GP2:${good.slice(4)}`, `gp1:${good.slice(4)}`, good.slice(4)]) {
      const v = await verify(code);
      expect(v).toMatchObject({
        kind: 'GP1',
        valid: false,
        steps: { unprefix: false },
        reasons: ['bad-prefix'],
      });
      expect(Object.keys(v.steps)).toEqual(['unprefix']);
    }
  });

  test('bad JWS: not three segments, not base64url, not JSON, no kid', async () => {
    const header = b64url(JSON.stringify({ alg: 'EdDSA', kid: issuer.kid }));
    const payload = b64url(JSON.stringify(gp1Claims(AT)));
    const codes = [
      'GP1:',
      'GP1:abc',
      `GP1:${header}.${payload}`,
      `GP1:${header}.${payload}.sig.extra`,
      `GP1:${header}.${payload}.a+b/`,
      `GP1:${b64url('not json')}.${payload}.AAAA`,
      `GP1:${header}.${b64url('{"plate":')}.AAAA`,
      `GP1:${b64url(JSON.stringify({ alg: 'EdDSA' }))}.${payload}.AAAA`,
      `GP1:${b64url('[1]')}.${payload}.AAAA`,
    ];
    for (const code of codes) {
      const v = await verify(code);
      expect(v, code).toMatchObject({
        valid: false,
        steps: { unprefix: true, decode: false },
        reasons: ['bad-jws'],
      });
      expect(v.steps).not.toHaveProperty('signature');
    }
  });

  test('unknown kid', async () => {
    const stranger = await gp1Signer('not-in-the-list');
    const v = await verify(await stranger.sign(gp1Claims(AT)));
    expect(v).toMatchObject({
      valid: false,
      steps: { decode: true, signature: false },
      reasons: ['unknown-kid'],
    });
    // Everything else is still evaluated on its own.
    expect(v.steps).toMatchObject({ expiry: true, schema: true });
  });

  test('wrong key: a forgery under a trusted kid', async () => {
    const forger = await gp1Signer('forger');
    const forged = await forger.sign(gp1Claims(AT), { kid: issuer.kid });
    const v = await verify(forged);
    expect(v).toMatchObject({ valid: false, steps: { signature: false }, reasons: ['bad-signature'] });
  });

  test('a changed claim breaks the signature', async () => {
    const [head, , sig] = (await issuer.sign(gp1Claims(AT))).slice(4).split('.');
    const tampered = b64url(JSON.stringify(gp1Claims(AT, { color: 'green', plate: '晋D99999' })));
    const v = await verify(`GP1:${head}.${tampered}.${sig}`);
    expect(v).toMatchObject({ valid: false, steps: { signature: false }, reasons: ['bad-signature'] });
  });

  test('expired, beyond the clock skew', async () => {
    const exp = Math.floor(AT / 1000) - 3600;
    const code = await issuer.sign(gp1Claims(AT, { iat: exp - 86_400, exp }));
    const v = await verify(code);
    expect(v).toMatchObject({
      valid: false,
      steps: { signature: true, expiry: false },
      reasons: ['expired'],
    });
    // Within the skew it still passes; one second beyond, it does not.
    expect((await verify(code, exp * 1000 + SKEW_MS)).valid).toBe(true);
    expect((await verify(code, exp * 1000 + SKEW_MS + 1000)).reasons).toEqual(['expired']);
  });

  test('not yet valid, beyond the clock skew', async () => {
    const iat = Math.floor(AT / 1000) + 3600;
    const code = await issuer.sign(gp1Claims(AT, { iat, exp: iat + 86_400 }));
    const v = await verify(code);
    expect(v).toMatchObject({ valid: false, steps: { expiry: false }, reasons: ['not-yet-valid'] });
    expect((await verify(code, iat * 1000 - SKEW_MS)).valid).toBe(true);
    expect((await verify(code, iat * 1000 - SKEW_MS - 1000)).reasons).toEqual(['not-yet-valid']);
  });

  test('the clock skew is configurable', async () => {
    const exp = Math.floor(AT / 1000) - 60;
    const code = await issuer.sign(gp1Claims(AT, { iat: exp - 600, exp }));
    expect((await verifyGp1(code, { ...context(trust, AT), clockSkewSeconds: 300 })).valid).toBe(true);
    expect((await verifyGp1(code, { ...context(trust, AT), clockSkewSeconds: 0 })).reasons).toEqual([
      'expired',
    ]);
  });

  test('bad claims', async () => {
    const bad = [
      gp1Claims(AT, { color: 'blue' }),
      gp1Claims(AT, { plate: undefined }),
      gp1Claims(AT, { sub: 42 }),
      gp1Claims(AT, { test: { kind: 'saliva', result: 'negative', at: 1 } }),
      gp1Claims(AT, { test: { kind: 'pcr', result: 'unclear', at: 1 } }),
      gp1Claims(AT, { exp: 'tomorrow' }),
    ];
    for (const claims of bad) {
      const v = await verify(await issuer.sign(claims));
      expect(v.valid, JSON.stringify(claims)).toBe(false);
      expect(v.steps).toMatchObject({ decode: true, signature: true, schema: false });
      expect(v.reasons).toContain('bad-claims');
      expect(v.facts).toEqual({ tests: [] });
    }
    // A payload that is JSON but no object at all.
    const v = await verify(
      `GP1:${(await issuer.sign(gp1Claims(AT))).slice(4).split('.')[0]}.${b64url('7')}.AAAA`,
    );
    expect(v.reasons).toEqual(expect.arrayContaining(['bad-claims', 'no-expiry']));
  });

  test('a header with critical extensions or an unencoded payload is refused, even when signed', async () => {
    const { publicJwk, privateJwk } = newEd25519Jwks();
    const privateKey = createPrivateKey({ key: privateJwk, format: 'jwk' });
    const kid = 'hand-signed';
    const store = await buildTrustStore({ keys: [{ ...publicJwk, kid } as never] });
    const signed = (header: Record<string, unknown>) => {
      const input = `${b64url(JSON.stringify({ alg: 'EdDSA', kid, ...header }))}.${b64url(JSON.stringify(gp1Claims(AT)))}`;
      return `GP1:${input}.${signNode(null, Buffer.from(input), privateKey).toString('base64url')}`;
    };
    expect((await verify(signed({}), AT, store)).valid).toBe(true);
    for (const header of [{ crit: ['exp'], exp: 1 }, { b64: false, crit: ['b64'] }, { b64: true }]) {
      const v = await verify(signed(header), AT, store);
      expect(v, JSON.stringify(header)).toMatchObject({ valid: false, reasons: ['bad-jws'] });
    }
  });

  test('a signature of the wrong length is a bad signature', async () => {
    const [head, body] = (await issuer.sign(gp1Claims(AT))).slice(4).split('.');
    const v = await verify(`GP1:${head}.${body}.${Buffer.alloc(63, 1).toString('base64url')}`);
    expect(v).toMatchObject({ valid: false, steps: { signature: false }, reasons: ['bad-signature'] });
  });

  test('an algorithm other than EdDSA', async () => {
    const { privateKey } = await generateKeyPair('ES256'); // key-generation: never exported
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(gp1Claims(AT))))
      .setProtectedHeader({ alg: 'ES256', kid: issuer.kid })
      .sign(privateKey);
    const v = await verify(`GP1:${jws}`);
    expect(v).toMatchObject({ valid: false, steps: { signature: false }, reasons: ['unsupported-alg'] });
  });

  test('with no trust list every pass is untrusted', async () => {
    const v = await verify(await issuer.sign(gp1Claims(AT)), AT, emptyTrustStore());
    expect(v).toMatchObject({ valid: false, steps: { signature: false, expiry: true, schema: true } });
    expect(v.reasons).toEqual(['untrusted']);
  });

  test('a code over the length cap is refused before decoding', async () => {
    const v = await verify(`GP1:${'A'.repeat(9000)}`);
    expect(v).toMatchObject({
      valid: false,
      steps: { unprefix: true, decode: false },
      reasons: ['too-long'],
    });
  });

  test('verifyPass dispatches by prefix; anything else is unverified', async () => {
    const code = await issuer.sign(gp1Claims(AT));
    expect((await verifyPass(code, { at: AT, trust })).valid).toBe(true);
    for (const other of ['晋D12345', '', 'GP2:abc', 'HC2:6BF', 'https://example.org/pass']) {
      const v = await verifyPass(other, { at: AT, trust });
      expect(v).toEqual({
        kind: 'unverified',
        valid: false,
        steps: {},
        reasons: ['unverified-code'],
        facts: { tests: [] },
      });
    }
  });
});
