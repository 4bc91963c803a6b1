import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isGatepostError } from '../../core/errors.ts';
import { SiteKeyJwkSchema } from '../../gateway/cards/card-payloads.ts';
import { loadOrCreateSiteKey, SITE_KEY_FILE, siteKeyFileOf } from '../../gateway/cards/site-key.ts';
import { SiteTrust } from '../../gateway/cards/site-trust.ts';
import { buildTrustStore } from '../../gateway/passes/trust-list.ts';

const keyFile = () => join(mkdtempSync(join(tmpdir(), 'gatepost-site-key-')), 'store', SITE_KEY_FILE);

async function refusal(file: string): Promise<unknown> {
  try {
    await loadOrCreateSiteKey(file, 'demo');
  } catch (e) {
    return e;
  }
  throw new Error('the key file was accepted');
}

describe('the site key', () => {
  it('is made once in the store directory (mode 0600), and read again as the same key', async () => {
    const file = keyFile();
    expect(siteKeyFileOf(join(file, '..', 'gatepost.db'))).toBe(file);
    const first = await loadOrCreateSiteKey(file, 'demo');
    expect(first.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateSiteKey(file, 'demo');
    expect(again.created).toBe(false);
    expect(again.kid).toBe(first.kid);
    expect(again.jwk).toEqual(first.jwk);
    expect(again.publicKey.equals(first.publicKey)).toBe(true);
    expect(first.kid).toMatch(/^site:demo:[A-Za-z0-9_-]{16}$/);
    // The published JWK has no private part; the file has it.
    expect(SiteKeyJwkSchema.parse(first.jwk)).not.toHaveProperty('d');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveProperty('d');
  });

  it.each([
    ['not JSON', 'garbage{'],
    ['truncated', '{"kty":"OKP","crv":"Ed25519","x":"abc"'],
    ['a public key only', JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43) })],
    ['empty', ''],
  ])('refuses a key file that is %s, and leaves it as it is', async (_what, text) => {
    const file = keyFile();
    await loadOrCreateSiteKey(file, 'demo');
    writeFileSync(file, text);
    const e = await refusal(file);
    expect(isGatepostError(e, ErrorCode.SiteKeyUnreadable)).toBe(true);
    expect(String((e as Error).message)).toContain('restore the file');
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it("refuses a file whose public half is not its private half's", async () => {
    const a = keyFile();
    const b = keyFile();
    await loadOrCreateSiteKey(a, 'demo');
    await loadOrCreateSiteKey(b, 'demo');
    const mixed = { ...JSON.parse(readFileSync(a, 'utf8')), x: JSON.parse(readFileSync(b, 'utf8')).x };
    writeFileSync(a, JSON.stringify(mixed));
    expect(isGatepostError(await refusal(a), ErrorCode.SiteKeyUnreadable)).toBe(true);
  });

  // Root reads a file of mode 0000 anyway.
  it.skipIf(process.getuid?.() === 0)(
    'refuses an unreadable key file rather than making a new one',
    async () => {
      const file = keyFile();
      await loadOrCreateSiteKey(file, 'demo');
      chmodSync(file, 0o000);
      expect(isGatepostError(await refusal(file), ErrorCode.SiteKeyUnreadable)).toBe(true);
      chmodSync(file, 0o600);
    },
  );

  it('joins any trust store under its kid, in memory, kept once if the list names it too', async () => {
    const key = await loadOrCreateSiteKey(keyFile(), 'demo');
    const trust = new SiteTrust(key.kid, key.publicKey);
    const empty = await buildTrustStore({});
    const merged = trust.merge(empty);
    expect(merged.gp1Keys.get(key.kid)).toHaveLength(1);
    expect(empty.gp1Keys.has(key.kid)).toBe(false);
    expect(trust.merge(empty)).toBe(merged);
    const listed = await buildTrustStore({ keys: [key.jwk] });
    expect(trust.merge(listed).gp1Keys.get(key.kid)).toHaveLength(1);
  });
});
