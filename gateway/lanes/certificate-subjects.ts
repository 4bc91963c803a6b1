import { createHmac } from 'node:crypto';
import { DCC_SUBJECT_PREFIX } from '../passes/hc1-facts.ts';
import type { PassCheck } from './lane-ports.ts';

/**
 * The lanes' pass check with each EU DCC's subject keyed with a secret of the site's store.
 *
 * The verifier names an HC1 pass by a hash of its certificate identifier (UVCI), so that the yard
 * exit finds the truck by the code shown at the entry (gateway/passes/hc1-facts.ts). A plain hash
 * can be recomputed by anyone holding the UVCI, which is printed on the paper certificate and
 * known to its issuer; the subject goes into records, the ledger and the export. Keyed here with
 * the store's secret (`meta` row `certificate-subject-key`), before anything is recorded, the
 * same certificate still gives the same subject on this box, across restarts and a restored
 * backup, and nobody without the store can tie it to a certificate. A GP1 pass's `sub` (and a
 * card's) is left as it is.
 */
export function keyedCertificateSubjects(inner: PassCheck, key: Buffer): PassCheck {
  return {
    async verify(code, at) {
      const verdict = await inner.verify(code, at);
      const subject = verdict.facts.subject;
      if (verdict.kind === 'HC1' && subject?.startsWith(DCC_SUBJECT_PREFIX)) {
        const keyed = createHmac('sha256', key).update(subject).digest('hex').slice(0, 32);
        verdict.facts.subject = `${DCC_SUBJECT_PREFIX}${keyed}`;
      }
      return verdict;
    },
  };
}
