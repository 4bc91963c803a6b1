import { execFileSync } from 'node:child_process';
import { createPrivateKey, type KeyObject, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Encoder, Tag } from 'cbor-x';
import { dscKid } from '../../gateway/passes/dsc.ts';
import { hc1FromCose } from './helpers.ts';

/**
 * A document signer of our own, to issue HC1 certificates with any content: a P-256 key and a
 * self-signed certificate made by openssl, valid from now for ten years (optionally with DCC extended key usages), and a
 * signer that builds the CWT, the COSE_Sign1 (ES256) and the HC1 code.
 */
export interface Hc1Issuer {
  /** The DSC, base64 DER, for a trust list. */
  readonly dsc: string;
  issue(dcc: Record<string, unknown>, opts?: { iat?: number; exp?: number; issuer?: string }): string;
}

const cbor = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: false });

export function hc1Issuer(country = 'DE', extendedKeyUsages: string[] = []): Hc1Issuer {
  const dir = mkdtempSync(path.join(tmpdir(), 'gatepost-dsc-'));
  try {
    const keyFile = path.join(dir, 'dsc.key');
    const certFile = path.join(dir, 'dsc.pem');
    const ext = path.join(dir, 'ext.cnf');
    writeFileSync(
      ext,
      `[req]\ndistinguished_name=dn\n[dn]\n[v3]\nbasicConstraints=CA:FALSE\n${
        extendedKeyUsages.length > 0 ? `extendedKeyUsage=${extendedKeyUsages.join(',')}\n` : ''
      }`,
    );
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '3650',
        '-subj',
        `/C=${country}/CN=Gatepost test DSC`,
        '-config',
        ext,
        '-extensions',
        'v3',
        '-set_serial',
        '1',
      ],
      { stdio: 'ignore' },
    );
    const key: KeyObject = createPrivateKey(readFileSync(keyFile));
    const cert = new X509Certificate(readFileSync(certFile));
    const kid = Buffer.from(dscKid(cert.raw), 'hex');
    return {
      dsc: cert.raw.toString('base64'),
      issue(
        dcc,
        { iat = Date.UTC(2021, 5, 1) / 1000, exp = Date.UTC(2031, 5, 1) / 1000, issuer = country } = {},
      ) {
        const protectedBytes = cbor.encode(
          new Map<number, unknown>([
            [1, -7],
            [4, kid],
          ]),
        );
        const payload = cbor.encode(
          new Map<number, unknown>([
            [1, issuer],
            [4, exp],
            [6, iat],
            [-260, new Map([[1, dcc]])],
          ]),
        );
        const toSign = cbor.encode(['Signature1', protectedBytes, new Uint8Array(0), payload]);
        const signature = sign('sha256', toSign, { key, dsaEncoding: 'ieee-p1363' });
        return hc1FromCose(cbor.encode(new Tag([protectedBytes, new Map(), payload, signature], 18)));
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const holder = { nam: { fn: 'Kowalska', fnt: 'KOWALSKA', gn: 'Anna', gnt: 'ANNA' }, dob: '1980-01-02' };

/** A valid 1.3.0 DCC of each type, with fields to override in its one entry. */
export const dccOf = {
  vaccination: (entry: Record<string, unknown> = {}) => ({
    ver: '1.3.0',
    ...holder,
    v: [
      {
        tg: '840539006',
        vp: '1119349007',
        mp: 'EU/1/20/1528',
        ma: 'ORG-100030215',
        dn: 2,
        sd: 2,
        dt: '2021-05-18',
        co: 'PL',
        is: 'Centrum e-Zdrowia',
        ci: 'URN:UVCI:01:PL:1/AB12CD34EF56',
        ...entry,
      },
    ],
  }),
  test: (entry: Record<string, unknown> = {}) => ({
    ver: '1.3.0',
    ...holder,
    t: [
      {
        tg: '840539006',
        tt: 'LP217198-3',
        ma: '1232',
        sc: '2021-05-24T12:20:00+02:00',
        tr: '260415000',
        tc: 'Narodowe centrum testowania',
        co: 'PL',
        is: 'Centrum e-Zdrowia',
        ci: 'URN:UVCI:01:PL:2/AB12CD34EF56',
        ...entry,
      },
    ],
  }),
  recovery: (entry: Record<string, unknown> = {}) => ({
    ver: '1.3.0',
    ...holder,
    r: [
      {
        tg: '840539006',
        fr: '2021-01-07',
        co: 'PL',
        is: 'Centrum e-Zdrowia',
        df: '2021-01-18',
        du: '2021-07-18',
        ci: 'URN:UVCI:01:PL:3/AB12CD34EF56',
        ...entry,
      },
    ],
  }),
};
