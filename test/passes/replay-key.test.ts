import { deflateSync, inflateSync } from 'node:zlib';
import base45 from 'base45';
import { describe, expect, test } from 'vitest';
import { ReplayGuard } from '../../gateway/lanes/replay-guard.ts';
import { passReplayKey } from '../../gateway/passes/replay-key.ts';
import { buildTrustStore } from '../../gateway/passes/trust-list.ts';
import { verifyPass } from '../../gateway/passes/verifier.ts';
import { dccCaseContext, gp1Claims, gp1Signer, openHc1 } from './helpers.ts';

/**
 * Issue 18 item 3: the replay guard keyed on the characters scanned, so the same pass shown as
 * another code string was no replay. It keys on what was signed now: every spelling of one
 * signed pass is the same pass to the guard, whether that spelling verifies or not.
 */

/** The order of P-256: the ECDSA twin of (r, s) is (r, n - s). */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const AT = Date.UTC(2026, 10, 22, 8, 0, 0);

function twinSignature(sig: Uint8Array): Uint8Array {
  const s = BigInt(`0x${Buffer.from(sig.subarray(32)).toString('hex')}`);
  const twin = Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex');
  return Uint8Array.from([...sig.subarray(0, 32), ...twin]);
}

/** The same zlib content, compressed again at `level`. */
function recompressed(code: string, level: number): string {
  return `HC1:${base45.encode(deflateSync(inflateSync(base45.decode(code.slice(4))), { level }))}`;
}

function withJunkAfterZlib(code: string): string {
  return `HC1:${base45.encode(Buffer.concat([base45.decode(code.slice(4)), Buffer.from('junk')]))}`;
}

/** Replaces the last base64url character of the signature by one with the same 6-bit prefix bits. */
function strayLowBits(code: string): string {
  const last = code.at(-1) as string;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  // A 64-byte signature leaves 2 unused low bits in its last character.
  const other = alphabet[alphabet.indexOf(last) ^ 0b01] as string;
  return code.slice(0, -1) + other;
}

/** Shows `first` at lane A, then `again` at lane B: is it a replay? */
function replayed(first: string, again: string): boolean {
  const guard = new ReplayGuard(600_000);
  expect(guard.check(first, { lane: 'east-1', transitId: 't1', at: AT })).toBeUndefined();
  return guard.check(again, { lane: 'west-1', transitId: 't2', at: AT + 60_000 }) !== undefined;
}

describe('replay key: what was signed, not what was scanned', () => {
  test('HC1: recompressed, the ECDSA twin signature, a CR LF after it: all valid, all the same pass', async () => {
    const { code, trust, at } = await dccCaseContext('common/2DCode/raw/CO3.json');
    const { sign1, repack } = openHc1(code);
    const variants = {
      'zlib level 1': recompressed(code, 1),
      'zlib level 9': recompressed(code, 9),
      'twin signature (r, n-s)': repack([
        sign1[0],
        sign1[1],
        sign1[2],
        twinSignature(sign1[3] as Uint8Array),
      ]),
      'CR LF after it': `${code}\r\n`,
    };
    for (const [what, variant] of Object.entries(variants)) {
      expect(variant, what).not.toBe(code);
      const v = await verifyPass(variant, { at, trust });
      expect({ what, valid: v.valid, reasons: v.reasons }).toEqual({ what, valid: true, reasons: [] });
      expect(passReplayKey(variant), what).toBe(passReplayKey(code));
      expect(replayed(code, variant), what).toBe(true);
    }
  });

  test('HC1 with bytes after the zlib stream: invalid (bad-compression), and still the same pass', async () => {
    const { code, trust, at } = await dccCaseContext('common/2DCode/raw/CO3.json');
    const junk = withJunkAfterZlib(code);
    const v = await verifyPass(junk, { at, trust });
    expect(v).toMatchObject({ valid: false, reasons: ['bad-compression'], steps: { decompress: false } });
    expect(replayed(code, junk)).toBe(true);
  });

  test('GP1 with stray low bits in the last signature character: invalid (bad-jws), and still the same pass', async () => {
    const signer = await gp1Signer('replay-key');
    const trust = await buildTrustStore({ keys: [signer.publicJwk as never] });
    const code = await signer.sign(gp1Claims(AT));
    const stray = strayLowBits(code);
    expect(Buffer.from(stray.split('.')[2] as string, 'base64url')).toEqual(
      Buffer.from(code.split('.')[2] as string, 'base64url'),
    );
    expect((await verifyPass(code, { at: AT, trust })).valid).toBe(true);
    expect(await verifyPass(stray, { at: AT, trust })).toMatchObject({ valid: false, reasons: ['bad-jws'] });
    expect(replayed(code, stray)).toBe(true);
    expect(replayed(code, `${code}\n`)).toBe(true);
  });

  test('different passes, and codes that are no pass, keep different keys', async () => {
    const signer = await gp1Signer('replay-key');
    const a = await signer.sign(gp1Claims(AT));
    const b = await signer.sign(gp1Claims(AT, { plate: '晋D54321' }));
    expect(replayed(a, b)).toBe(false);
    const co3 = (await dccCaseContext('common/2DCode/raw/CO3.json')).code;
    const co1 = (await dccCaseContext('common/2DCode/raw/CO1.json')).code;
    expect(replayed(co3, co1)).toBe(false);
    expect(replayed('晋D12345', '晋D12346')).toBe(false);
    expect(replayed('晋D12345', '晋D12345')).toBe(true);
    expect(passReplayKey('HC1:junk')).toMatch(/^code:/);
  });

  test('after a restart the guard, refilled from the stored codes, knows another spelling of them', async () => {
    const { code } = await dccCaseContext('common/2DCode/raw/CO3.json');
    const guard = new ReplayGuard(600_000);
    guard.restore([{ code, lane: 'east-1', transitId: 't1', at: AT }]);
    expect(
      guard.check(recompressed(code, 1), { lane: 'west-1', transitId: 't2', at: AT + 1000 }),
    ).toMatchObject({
      lane: 'east-1',
    });
  });
});
