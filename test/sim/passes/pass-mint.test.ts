import { createHash, X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTrustListFile } from '../../../gateway/passes/trust-list.ts';
import { verifyPass } from '../../../gateway/passes/verifier.ts';
import { PASS_KINDS, type PassHolder, PassMint } from '../../../sim/passes/pass-mint.ts';
import { writeTrustList } from '../../../sim/passes/trust-list-writer.ts';
import { Random } from '../../../sim/random.ts';
import { makeTempDir, removeTempDirs } from '../../support/tmp.ts';

afterEach(removeTempDirs);

const NOW = Date.UTC(2026, 10, 22, 8, 0, 0);
const HOLDER: PassHolder = {
  plate: '晋D12345',
  sub: 'drv-7f3a91c2',
  familyName: 'Zhang',
  givenName: 'Wei',
  dateOfBirth: '1980-04-14',
  origin: '140400',
  dest: '110000',
};

/** The mint's trust list written where a gateway would read it, and loaded by the gateway's own loader. */
async function gatewayTrust(mint: PassMint) {
  const path = join(await makeTempDir(), 'sim', 'trust-list.json'); // the directory does not exist yet
  await writeTrustList(path, mint.trustList());
  return { path, trust: await loadTrustListFile(path) };
}

describe('the pass mint, checked by the gateway verifier', () => {
  it('every kind verifies as intended against the trust list the simulator writes', async () => {
    const mint = new PassMint({ seed: 9, now: () => NOW });
    const { trust } = await gatewayTrust(mint);
    const r = new Random(1);
    const verdict = async (kind: (typeof PASS_KINDS)[number]) =>
      verifyPass(mint.issue(kind, HOLDER, r), { at: NOW, trust });

    for (const kind of ['green', 'greenNoTest', 'yellow', 'red'] as const) {
      const v = await verdict(kind);
      expect(v, kind).toMatchObject({ kind: 'GP1', valid: true, reasons: [] });
      expect(v.facts.plate).toBe(HOLDER.plate);
    }
    expect((await verdict('green')).facts).toMatchObject({
      color: 'green',
      tests: [{ kind: 'antigen', result: 'negative' }],
    });
    expect((await verdict('greenNoTest')).facts).toMatchObject({ color: 'green', tests: [] });
    expect((await verdict('yellow')).facts.color).toBe('yellow');
    expect((await verdict('red')).facts.color).toBe('red');
    expect(await verdict('expired')).toMatchObject({ kind: 'GP1', valid: false, reasons: ['expired'] });
    expect(await verdict('forged')).toMatchObject({ kind: 'GP1', valid: false, reasons: ['bad-signature'] });
    expect(await verdict('plate')).toMatchObject({
      kind: 'unverified',
      valid: false,
      reasons: ['unverified-code'],
    });

    const types = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const v = await verdict('hc1');
      expect(v, `hc1 #${i}`).toMatchObject({ kind: 'HC1', valid: true, reasons: [] });
      expect(v.facts.name).toBe('Wei Zhang');
      types.add(v.facts.certificateType ?? '');
      if (v.facts.certificateType === 'test') expect(v.facts.tests[0]?.result).toBe('negative');
    }
    expect([...types].sort()).toEqual(['recovery', 'test', 'vaccination']);
  });

  it('the same seed gives the same keys, trust list and codes; another seed others', async () => {
    const a = new PassMint({ seed: 3, now: () => NOW });
    const b = new PassMint({ seed: 3, now: () => NOW });
    const c = new PassMint({ seed: 4, now: () => NOW });
    expect(b.trustList()).toEqual(a.trustList());
    expect(c.trustList().keys[0]?.x).not.toBe(a.trustList().keys[0]?.x);
    for (const kind of PASS_KINDS) {
      expect(b.issue(kind, HOLDER, new Random(8))).toBe(a.issue(kind, HOLDER, new Random(8)));
    }
    expect(c.issue('hc1', HOLDER, new Random(8))).not.toBe(a.issue('hc1', HOLDER, new Random(8)));
    // A pass of one seed is not trusted by the trust list of another.
    const { trust } = await gatewayTrust(c);
    const v = await verifyPass(a.issue('green', HOLDER, new Random(1)), { at: NOW, trust });
    expect(v.reasons).toEqual(['unknown-kid']); // each seed signs under its own kid
  });

  it('the HC1 document signer: a self-signed P-256 X.509 certificate valid for the run, kid = SHA-256[0..8] of its DER', async () => {
    const mint = new PassMint({ seed: 5, now: () => NOW });
    const { path } = await gatewayTrust(mint);
    const file = JSON.parse(await readFile(path, 'utf8')) as { keys: unknown[]; dsc: string[] };
    expect(Object.keys(file).sort()).toEqual(['dsc', 'keys']);
    expect(file.keys).toEqual([mint.gp1.publicJwk]);
    expect((await stat(path)).mode & 0o777).toBe(0o644);
    const der = Buffer.from(file.dsc[0] ?? '', 'base64');
    const cert = new X509Certificate(der);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.subject).toBe(cert.issuer);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(Date.parse(cert.validFrom)).toBeLessThan(NOW);
    expect(Date.parse(cert.validTo)).toBeGreaterThan(NOW + 365 * 86_400_000);
    expect(mint.hc1.kid).toEqual(createHash('sha256').update(der).digest().subarray(0, 8));
  });
});
