import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyedCertificateSubjects } from '../../gateway/lanes/certificate-subjects.ts';
import type { PassCheck } from '../../gateway/lanes/lane-ports.ts';
import { buildTrustStore, type TrustStore } from '../../gateway/passes/trust-list.ts';
import type { Verdict } from '../../gateway/passes/verdict.ts';
import { verifyPass } from '../../gateway/passes/verifier.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { storeSecret } from '../../gateway/store/personal-data.ts';
import { dccOf, type Hc1Issuer, hc1Issuer } from '../passes/hc1-issuer.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';
import { lane } from './lane-harness.ts';

/**
 * An HC1 truck at a yard exit without a plate camera: the lane asks the yard by the subject of
 * the code the driver shows, an EU DCC's hash of its certificate identifier keyed with a secret
 * of the site's store (gateway/lanes/certificate-subjects.ts), and only when the code's signature
 * held: a code made up by someone else with the same identifier opens nothing.
 */

let issuer: Hc1Issuer;
let forger: Hc1Issuer;
let trust: TrustStore;
const verifier: PassCheck = { verify: async (code, at) => verifyPass(code, { at, trust }) };

beforeAll(async () => {
  issuer = hc1Issuer('PL');
  forger = hc1Issuer('PL');
  trust = await buildTrustStore({ dsc: [issuer.dsc] });
});
afterAll(removeTempDirs);

const KEY = Buffer.alloc(32, 7);

describe('an EU DCC subject keyed with the store secret', () => {
  it('replaces the plain hash, stays the same for the same certificate and key, differs with another key', async () => {
    const code = issuer.issue(dccOf.test());
    const plain = (await verifier.verify(code, Date.now())).facts.subject;
    const keyed = keyedCertificateSubjects(verifier, KEY);
    const first = (await keyed.verify(code, Date.now())).facts.subject;
    expect(first).toMatch(/^dcc:[0-9a-f]{32}$/);
    expect(first).not.toBe(plain);
    // The same certificate issued anew and scanned again: the same subject on this box.
    expect((await keyed.verify(issuer.issue(dccOf.test()), Date.now())).facts.subject).toBe(first);
    const otherBox = keyedCertificateSubjects(verifier, Buffer.alloc(32, 8));
    expect((await otherBox.verify(code, Date.now())).facts.subject).not.toBe(first);
  });

  it("leaves a GP1 pass's sub as it is, even one that looks like a certificate's", async () => {
    const gp1: Verdict = {
      kind: 'GP1',
      valid: true,
      steps: { signature: true },
      reasons: [],
      facts: { subject: 'dcc:0123456789abcdef0123456789abcdef', tests: [] },
    };
    const keyed = keyedCertificateSubjects({ verify: async () => structuredClone(gp1) }, KEY);
    expect((await keyed.verify('GP1:x', Date.now())).facts.subject).toBe(gp1.facts.subject);
  });

  it('the store keeps its secret across a reopen; another store has another', async () => {
    const dir = await makeTempDir();
    const a = openDatabase(join(dir, 'a.db'));
    const first = storeSecret(a, 'certificate-subject-key');
    a.close();
    const again = openDatabase(join(dir, 'a.db'));
    expect(storeSecret(again, 'certificate-subject-key').equals(first)).toBe(true);
    // Not the pseudonymiser's key: one secret per purpose.
    expect(storeSecret(again, 'pseudonym-key').equals(first)).toBe(false);
    again.close();
    const b = openDatabase(join(dir, 'b.db'));
    expect(storeSecret(b, 'certificate-subject-key').equals(first)).toBe(false);
    b.close();
  });
});

describe('the yard exit lane and an HC1 code', () => {
  const exitLane = () =>
    lane({
      id: 'yard-exit-1',
      kind: 'yard-exit',
      thermometer: false,
      verify: keyedCertificateSubjects(verifier, KEY).verify,
    });

  it('asks the yard by the keyed subject of a signed code and lets the truck out', async () => {
    const l = exitLane();
    await l.controller.start();
    const code = issuer.issue(dccOf.recovery());
    const subject = (await keyedCertificateSubjects(verifier, KEY).verify(code, Date.now())).facts.subject;
    await l.truckDecided(code);
    expect(l.exits).toEqual([expect.objectContaining({ subject })]);
    expect(l.decision()).toMatchObject({
      outcome: 'PASS',
      reasons: [expect.objectContaining({ code: 'yard-cleared' })],
    });
  });

  it('does not ask by the subject of a code whose signature fails, though its identifier is the same', async () => {
    const l = exitLane();
    await l.controller.start();
    const forged = forger.issue(dccOf.recovery());
    const verdict = await verifier.verify(forged, Date.now());
    expect(verdict.steps.signature).not.toBe(true);
    expect(verdict.facts.subject).toBe(
      (await verifier.verify(issuer.issue(dccOf.recovery()), Date.now())).facts.subject,
    );
    await l.truckDecided(forged);
    expect(l.exits).toEqual([]);
    expect(l.decision()).toMatchObject({
      outcome: 'REVIEW',
      reasons: [expect.objectContaining({ code: 'yard-not-cleared', detail: 'no plate or pass to look up' })],
    });
  });
});
