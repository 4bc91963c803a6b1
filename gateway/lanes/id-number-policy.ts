import { createHash } from 'node:crypto';
import type { ManualRegistration } from './lane-records.ts';

export type IdNumberPolicy = 'full' | 'masked' | 'hashed';

/** An ID number as the site keeps it: in full, masked to its last four characters, or hashed. */
export function keepIdNumber(idNumber: string, policy: IdNumberPolicy, site: string): string {
  if (policy === 'full') return idNumber;
  if (policy === 'masked') return `${'*'.repeat(Math.max(0, idNumber.length - 4))}${idNumber.slice(-4)}`;
  // Salted with the site id so the same number hashes differently at different sites.
  return `sha256:${createHash('sha256').update(`${site}:${idNumber}`).digest('hex').slice(0, 32)}`;
}

export function keepRegistration(
  reg: ManualRegistration,
  policy: IdNumberPolicy,
  site: string,
): ManualRegistration {
  return { ...reg, idNumber: keepIdNumber(reg.idNumber, policy, site) };
}
