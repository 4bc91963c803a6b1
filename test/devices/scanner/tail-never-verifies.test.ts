import { describe, expect, it } from 'vitest';
import { buildTrustStore, parseTrustList } from '../../../gateway/passes/trust-list.ts';
import { verifyPass } from '../../../gateway/passes/verifier.ts';
import { type PassHolder, PassMint } from '../../../sim/passes/pass-mint.ts';
import { Random } from '../../../sim/random.ts';

/**
 * The residual risk of the scanner framer's resync rule (devices/scanner/framer.ts): the tail
 * of a cut HC1 code that, by chance, begins with `HC1:` or `GP1:` at a fresh burst is read as
 * a code. Such a code is a pass prefix followed by a suffix of a real pass: it must never
 * verify (it lacks the start of the zlib stream / the JWS header, and the signature covers the
 * whole pass). Checked here for every cut point of real signed passes of both kinds.
 */
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

describe('a cut pass tail framed as a code never verifies', () => {
  it('"HC1:" or "GP1:" + any suffix of a real HC1 or GP1 pass is not a valid pass', async () => {
    const mint = new PassMint({ seed: 4, now: () => NOW });
    const trust = await buildTrustStore(parseTrustList(mint.trustList()));
    const r = new Random(4);
    const passes = [
      mint.issue('hc1', HOLDER, r),
      mint.issue('hc1', HOLDER, r),
      mint.issue('green', HOLDER, r),
    ];
    for (const pass of passes) {
      // The genuine pass verifies, so a failure below is the tail's, not the set-up's.
      expect((await verifyPass(pass, { at: NOW, trust })).valid).toBe(true);
      const body = pass.slice(4);
      let checked = 0;
      for (let k = 1; k < body.length; k++) {
        for (const prefix of ['HC1:', 'GP1:']) {
          const v = await verifyPass(prefix + body.slice(k), { at: NOW, trust });
          expect(v.valid, `${prefix} + body from ${k}`).toBe(false);
          checked++;
        }
      }
      expect(checked).toBe(2 * (body.length - 1));
    }
  }, 60_000);
});
