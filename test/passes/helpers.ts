import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { deflateSync, inflateSync } from 'node:zlib';
import base45 from 'base45';
import { Decoder, Encoder, Tag } from 'cbor-x';
import { CompactSign, type JWK } from 'jose';
import { parseIsoTime } from '../../gateway/passes/iso-time.ts';
import { buildTrustStore, type TrustStore } from '../../gateway/passes/trust-list.ts';
import type { ResolvedVerifyContext } from '../../gateway/passes/verify-context.ts';
import { ed25519SigningKey } from '../support/ed25519-keys.ts';

/**
 * The public EU DCC test data and schemas, copied verbatim into the repository with their
 * licences (test/fixtures/README.md says where each came from).
 */
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
export const DGC_DIR = path.join(FIXTURES, 'dgc-testdata');
export const DCC_SCHEMA_DIR = path.join(FIXTURES, 'dcc-schema');

/** Every `*.json` file under `dir`, recursively, as paths relative to `dir`, sorted. */
export function listJsonFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.json')) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/** One EU DCC test case file (the fields this project reads). */
export interface DccCase {
  JSON?: unknown;
  PREFIX?: string;
  COSE?: string;
  TESTCTX?: { CERTIFICATE?: string; VALIDATIONCLOCK?: string; DESCRIPTION?: string };
  EXPECTEDRESULTS?: Record<string, unknown>;
}

export function loadDccCase(rel: string): DccCase {
  return JSON.parse(readFileSync(path.join(DGC_DIR, rel), 'utf8')) as DccCase;
}

/** A case's code, trust (its TESTCTX certificate) and verification time. */
export async function dccCaseContext(
  rel: string,
): Promise<{ code: string; trust: TrustStore; at: number; cert: string }> {
  const c = loadDccCase(rel);
  const cert = c.TESTCTX?.CERTIFICATE;
  const clock = c.TESTCTX?.VALIDATIONCLOCK;
  if (!c.PREFIX || !cert || !clock) throw new Error(`${rel} lacks PREFIX, CERTIFICATE or VALIDATIONCLOCK`);
  const at = parseIsoTime(clock);
  if (at === undefined) throw new Error(`${rel}: VALIDATIONCLOCK ${clock} is not an ISO time`);
  return { code: c.PREFIX, trust: await buildTrustStore({ dsc: [cert] }), at, cert };
}

export function context(trust: TrustStore, at: number): ResolvedVerifyContext {
  return { trust, at, clockSkewSeconds: 300, maxCodeLength: 8192, maxDecompressedBytes: 64 * 1024 };
}

const cborIn = new Decoder({ mapsAsObjects: false, useRecords: false });
const cborOut = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: false });

/** The COSE_Sign1 array inside an HC1 code, and a function that packs a changed one back. */
export function openHc1(code: string): { sign1: unknown[]; repack: (sign1: unknown[]) => string } {
  const cose = inflateSync(base45.decode(code.slice(4)));
  let value: unknown = cborIn.decode(cose);
  const tags: number[] = [];
  while (value instanceof Tag) {
    tags.push(value.tag);
    value = value.value;
  }
  if (!Array.isArray(value)) throw new Error('not a COSE_Sign1');
  const repack = (sign1: unknown[]) => {
    let out: unknown = sign1;
    for (const tag of [...tags].reverse()) out = new Tag(out, tag);
    return `HC1:${base45.encode(deflateSync(cborOut.encode(out)))}`;
  };
  return { sign1: value, repack };
}

/** HC1 code from raw COSE bytes. */
export function hc1FromCose(cose: Uint8Array): string {
  return `HC1:${base45.encode(deflateSync(cose))}`;
}

export interface Gp1Signer {
  kid: string;
  publicJwk: JWK;
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
}

/** A fresh Ed25519 key pair that signs GP1 passes. */
export async function gp1Signer(kid: string): Promise<Gp1Signer> {
  const signing = ed25519SigningKey();
  const { privateKey } = signing;
  const publicJwk = { ...signing.publicJwk, kid };
  return {
    kid,
    publicJwk,
    async sign(claims, header = {}) {
      const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
        .setProtectedHeader({ alg: 'EdDSA', kid, ...header })
        .sign(privateKey);
      return `GP1:${jws}`;
    },
  };
}

/** GP1 claims valid at `at` (epoch ms). */
export function gp1Claims(at: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(at / 1000);
  return {
    plate: '晋D12345',
    sub: 'drv-7f3a91',
    name: 'Zhang Wei',
    color: 'green',
    test: { kind: 'antigen', result: 'negative', at: now - 3600 },
    origin: '140400',
    dest: '110000',
    iat: now - 600,
    exp: now + 86_400,
    ...overrides,
  };
}

/** A writable stream that remembers what was written. */
export function captureStream(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}
