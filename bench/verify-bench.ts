import { resolve } from 'node:path';
import { buildTrustStore, parseTrustList } from '../gateway/passes/trust-list.ts';
import { verifyPass } from '../gateway/passes/verifier.ts';
import { PassMint } from '../sim/passes/pass-mint.ts';
import { Random } from '../sim/random.ts';

/**
 * Offline pass verification (issue 7), one pass after the other on one core: `verifyPass` on
 * GP1 passes (Ed25519 JWS, jose) and on HC1 codes (base45, zlib, COSE_Sign1 with an ECDSA P-256
 * document signer, CWT, DCC schema), every one valid, each code distinct, signed by the
 * simulator's pass mint and checked against its trust list.
 */
export interface VerifyBenchFigures {
  verify_gp1_per_s: number;
  verify_hc1_per_s: number;
}

export const VERIFY_BENCH_CONDITIONS =
  'verifyPass, sequential on one core, 200 distinct valid codes of each kind cycled for ~3 s after a warm-up; GP1: Ed25519 JWS; HC1: ECDSA P-256 COSE, zlib, DCC schema check';

async function rate(codes: string[], verify: (code: string) => Promise<{ valid: boolean }>, seconds: number) {
  for (const c of codes.slice(0, 20))
    if (!(await verify(c)).valid) throw new Error('a bench pass did not verify');
  let n = 0;
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  while (performance.now() < until) {
    await verify(codes[n % codes.length] ?? '');
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

export async function verifyBench(seconds = 3): Promise<VerifyBenchFigures> {
  const now = Date.now();
  const mint = new PassMint({ seed: 12, now: () => now });
  const trust = await buildTrustStore(parseTrustList(mint.trustList()));
  const rnd = new Random(12);
  const holder = (i: number) => ({
    plate: `晋D${String(10000 + i)}`,
    sub: `drv-bench-${i}`,
    familyName: 'Wang',
    givenName: 'Fang',
    dateOfBirth: '1979-05-04',
    origin: '140100',
    dest: '110000',
  });
  const gp1 = Array.from({ length: 200 }, (_, i) => mint.issue('green', holder(i), rnd));
  const hc1 = Array.from({ length: 200 }, (_, i) => mint.issue('hc1', holder(i), rnd));
  const verify = (code: string) => verifyPass(code, { at: now, trust });
  return {
    verify_gp1_per_s: Math.round(await rate(gp1, verify, seconds)),
    verify_hc1_per_s: Math.round(await rate(hc1, verify, seconds)),
  };
}

export default verifyBench;

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.stdout.write(`${JSON.stringify(await verifyBench(), null, 2)}\n(${VERIFY_BENCH_CONDITIONS})\n`);
}
