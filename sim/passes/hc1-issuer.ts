import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import base45 from 'base45';
import { Encoder, Tag } from 'cbor-x';
import { selfSignedDsc } from './dsc-certificate.ts';
import { type P256KeyPair, p256FromSeed, seedBytes, signP256 } from './keys.ts';

/** What kind of EU DCC to issue: a test (antigen or PCR), a vaccination or a recovery. */
export type DccContent =
  | { type: 'test'; kind: 'antigen' | 'pcr'; result: 'negative' | 'positive'; sampledAt: number }
  | { type: 'vaccination'; doses: number; vaccinatedAt: number }
  | { type: 'recovery'; firstPositiveAt: number };

export interface DccHolder {
  /** Surname and forename(s) as written, and their ICAO 9303 transliteration (A-Z and `<`). */
  familyName: string;
  givenName: string;
  /** ISO date, e.g. `1980-04-14`. */
  dateOfBirth: string;
}

export interface Hc1Options {
  holder: DccHolder;
  content: DccContent;
  /** CWT issued-at and expiry, epoch ms. */
  issuedAt: number;
  expiresAt: number;
  /** A unique certificate identifier suffix (UVCI). */
  id: string;
}

const COSE_SIGN1_TAG = 18;
const ES256 = -7;
const CWT = { iss: 1, exp: 4, iat: 6, hcert: -260 } as const;
const TEST_TYPE = { antigen: 'LP217198-3', pcr: 'LP6464-4' } as const;
const TEST_RESULT = { negative: '260415000', positive: '260373001' } as const;
const COVID_19 = '840539006';

const cbor = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: false });

/**
 * Issues `HC1:` EU Digital COVID Certificates (schema 1.3.0): CWT in a COSE_Sign1 signed ES256
 * by the simulator's own document signer, zlib, base45. The DSC is self-signed and goes into
 * the trust list (`dsc`), so the gateway verifies these codes as valid at any time of the run;
 * the EU DCC public test data would not do, its certificates expired long ago. Keys come from
 * the seed and ECDSA is deterministic here, so a seeded run issues byte-identical codes.
 */
export class Hc1Issuer {
  readonly key: P256KeyPair;
  /** The document signer certificate, DER. */
  readonly dsc: Buffer;
  /** The key id: the first 8 bytes of the SHA-256 of the DSC's DER. */
  readonly kid: Buffer;

  constructor(
    seed: number,
    readonly country: string,
    validity: { notBefore: number; notAfter: number },
  ) {
    this.key = p256FromSeed(seedBytes(seed, 'hc1/dsc-key'));
    this.dsc = selfSignedDsc({
      key: this.key,
      country,
      organization: 'Gatepost simulator',
      commonName: 'Gatepost simulator DSC',
      notBefore: validity.notBefore,
      notAfter: validity.notAfter,
      serial: seedBytes(seed, 'hc1/dsc-serial', 16),
    });
    this.kid = createHash('sha256').update(this.dsc).digest().subarray(0, 8);
  }

  issue(options: Hc1Options): string {
    const dcc = this.dcc(options);
    const claims = new Map<number, unknown>([
      [CWT.iss, this.country],
      [CWT.iat, Math.floor(options.issuedAt / 1000)],
      [CWT.exp, Math.floor(options.expiresAt / 1000)],
      [CWT.hcert, new Map<number, unknown>([[1, dcc]])],
    ]);
    const payload = cbor.encode(claims);
    const protectedBytes = cbor.encode(
      new Map<number, unknown>([
        [1, ES256],
        [4, this.kid],
      ]),
    );
    const toSign = cbor.encode(['Signature1', protectedBytes, Buffer.alloc(0), payload]);
    const signature = signP256(toSign, this.key, 'compact');
    const sign1 = new Tag([protectedBytes, new Map(), payload, signature], COSE_SIGN1_TAG);
    return `HC1:${base45.encode(deflateSync(cbor.encode(sign1), { level: 9 }))}`;
  }

  private dcc(o: Hc1Options): Record<string, unknown> {
    const c = o.content;
    const common = {
      tg: COVID_19,
      co: this.country,
      is: 'Gatepost simulator',
      ci: `URN:UVCI:01:${this.country}:SIM${o.id}`,
    };
    const out: Record<string, unknown> = {
      ver: '1.3.0',
      nam: {
        fn: o.holder.familyName,
        fnt: icao(o.holder.familyName),
        gn: o.holder.givenName,
        gnt: icao(o.holder.givenName),
      },
      dob: o.holder.dateOfBirth,
    };
    if (c.type === 'test') {
      out.t = [
        {
          ...common,
          tt: TEST_TYPE[c.kind],
          ...(c.kind === 'antigen' ? { ma: '1232' } : { nm: 'Simulated PCR' }),
          sc: isoSeconds(c.sampledAt),
          tr: TEST_RESULT[c.result],
          tc: 'Gatepost simulated test centre',
        },
      ];
    } else if (c.type === 'vaccination') {
      out.v = [
        {
          ...common,
          vp: '1119349007',
          mp: 'EU/1/20/1528',
          ma: 'ORG-100030215',
          dn: c.doses,
          sd: c.doses,
          dt: isoDate(c.vaccinatedAt),
        },
      ];
    } else {
      out.r = [
        {
          ...common,
          fr: isoDate(c.firstPositiveAt),
          df: isoDate(c.firstPositiveAt + 11 * 86_400_000),
          du: isoDate(c.firstPositiveAt + 180 * 86_400_000),
        },
      ];
    }
    return out;
  }
}

/** ICAO 9303 transliteration, simplified: letters upper-cased, anything else becomes `<`. */
function icao(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z]+/g, '<')
    .replace(/^<+|<+$/g, '');
}

function isoSeconds(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
