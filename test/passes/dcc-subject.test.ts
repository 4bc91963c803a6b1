import { beforeAll, describe, expect, test } from 'vitest';
import { buildTrustStore, type TrustStore } from '../../gateway/passes/trust-list.ts';
import { verifyPass } from '../../gateway/passes/verifier.ts';
import { staff, startYard } from '../yard/support.ts';
import { dccOf, type Hc1Issuer, hc1Issuer } from './hc1-issuer.ts';

/**
 * An EU DCC's pseudonymous subject: a hash of its certificate identifier (UVCI, `ci`), so that a
 * truck whose driver showed an HC1 code at the entry lane is found by the same code at the yard
 * exit, as a GP1 pass is by its `sub` (the soak of 2026-12-07 had every HC1 truck without a plate
 * camera at the exit sent to REVIEW `yard-not-cleared`, "no plate or pass to look up").
 */

let issuer: Hc1Issuer;
let trust: TrustStore;

beforeAll(async () => {
  issuer = hc1Issuer('PL');
  trust = await buildTrustStore({ dsc: [issuer.dsc] });
});

const subjectOf = async (dcc: Record<string, unknown>) =>
  (await verifyPass(issuer.issue(dcc), { at: Date.now(), trust })).facts.subject;

describe('the subject of an EU DCC', () => {
  test('is the same for the same certificate scanned twice, for every certificate type', async () => {
    for (const make of Object.values(dccOf)) {
      const first = await subjectOf(make());
      expect(first).toMatch(/^dcc:[0-9a-f]{32}$/);
      // Issued again (a new signature, the same UVCI): the same certificate to the yard.
      expect(await subjectOf(make())).toBe(first);
    }
  });

  test('differs between certificates and between types, and never holds the UVCI itself', async () => {
    const ci = 'URN:UVCI:01:PL:9/ZZ99ZZ99ZZ99';
    const subjects = new Set<string | undefined>([
      await subjectOf(dccOf.test()),
      await subjectOf(dccOf.test({ ci })),
      await subjectOf(dccOf.vaccination()),
      await subjectOf(dccOf.recovery()),
    ]);
    expect(subjects.size).toBe(4);
    for (const s of subjects) {
      expect(s).toBeDefined();
      expect(s).not.toContain('UVCI');
      expect(s).not.toContain('ZZ99');
    }
  });

  test('is absent when the certificate names no identifier; spaces around one do not make another', async () => {
    expect(await subjectOf(dccOf.test({ ci: '' }))).toBeUndefined();
    // Not a string, or far past the schema's 80 characters: no identifier, and nothing thrown.
    expect(await subjectOf(dccOf.test({ ci: 12345 }))).toBeUndefined();
    expect(await subjectOf(dccOf.test({ ci: { nested: 'URN:UVCI:01:PL:2/AB12CD34EF56' } }))).toBeUndefined();
    expect(await subjectOf(dccOf.test({ ci: 'U'.repeat(1000) }))).toBeUndefined();
    expect(await subjectOf(dccOf.test({ ci: '  URN:UVCI:01:PL:2/AB12CD34EF56 ' }))).toBe(
      await subjectOf(dccOf.test()),
    );
  });
});

describe('an HC1 truck at the yard exit without a plate camera', () => {
  test('is found by the certificate it showed at the entry and may leave once cleared; another certificate is not it', async () => {
    const h = startYard();
    const entry = await subjectOf(dccOf.recovery());
    expect(entry).toBeDefined();
    const reserved = await h.yard.reserve({
      zoneKind: 'parking',
      subject: entry,
      lane: 'east-1',
      transitId: 'hc1-transit',
      reason: 'no-recent-test',
    });
    expect(reserved).toMatchObject({ ok: true });
    const bay = reserved.ok ? reserved.bay : '';
    await h.yard.arrive(bay, staff);
    await h.yard.sample(bay, 'antigen', staff);
    await h.clock.advance(15 * 60_000);
    await h.yard.result(bay, { result: 'negative' }, staff);
    // At the exit the driver scans the same code again: the lane asks by the verdict's subject.
    const atExit = await subjectOf(dccOf.recovery());
    expect(await subjectOf(dccOf.test())).not.toBe(atExit);
    expect(h.yard.checkExit({ subject: (await subjectOf(dccOf.test())) ?? '' })).toMatchObject({
      allowed: false,
      reason: 'not-in-yard',
    });
    expect(await h.yard.exit({ subject: atExit ?? '', lane: 'yard-exit' })).toMatchObject({
      allowed: true,
      bay,
    });
    expect(h.yard.view(bay)?.state).toBe('free');
  });
});
