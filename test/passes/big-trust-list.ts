import { writeFileSync } from 'node:fs';
import { selfSignedDsc } from '../../sim/passes/dsc-certificate.ts';
import { p256FromSeed, seedBytes } from '../../sim/passes/keys.ts';

const SERIAL = Buffer.alloc(20, 0x5a);
const DAY = 86_400_000;

/**
 * A trust list of `count` distinct document signers of about `derBytes` each (a long
 * organization name pads them), written to `file`: one self-signed DSC whose serial number is
 * then overwritten with a counter, so each is a different certificate with a key id of its own
 * (its signature no longer verifies, which loading does not check). Made in well under a second,
 * where signing thousands would take many.
 */
export function writeBigTrustList(file: string, count: number, derBytes = 1600, extra: object = {}): number {
  const der = selfSignedDsc({
    key: p256FromSeed(seedBytes(7, 'big-trust-list')),
    country: 'DE',
    commonName: 'Gatepost load test DSC',
    // The name is there twice, as issuer and as subject.
    organization: 'x'.repeat(Math.max(1, Math.floor((derBytes - 330) / 2))),
    notBefore: Date.UTC(2026, 0, 1),
    notAfter: Date.UTC(2026, 0, 1) + 3650 * DAY,
    serial: SERIAL,
  });
  const at = der.indexOf(SERIAL.subarray(1));
  if (at < 0) throw new Error('serial not found in the DSC');
  const dsc: string[] = [];
  for (let i = 0; i < count; i++) {
    der.writeUInt32BE(i, at + 10);
    dsc.push(der.toString('base64'));
  }
  const text = JSON.stringify({ ...extra, dsc });
  writeFileSync(file, text);
  return text.length;
}
