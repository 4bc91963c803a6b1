import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { verifyCommand } from '../../gateway/cli/verify-command.ts';
import { STEP_NAMES, VerdictSchema } from '../../gateway/passes/verdict.ts';
import { captureStream, dccCaseContext, type Gp1Signer, gp1Claims, gp1Signer } from './helpers.ts';

const AT = Date.UTC(2026, 10, 22, 8, 0, 0);
const AT_ISO = new Date(AT).toISOString();

let dir: string;
let signer: Gp1Signer;
let jwksFile: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gatepost-verify-'));
  signer = await gp1Signer('cli-key');
  jwksFile = path.join(dir, 'keys.jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [signer.publicJwk] }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = captureStream();
  const err = captureStream();
  const code = await verifyCommand(argv, out.stream, err.stream);
  return { code, stdout: out.text(), stderr: err.text() };
}

/** The printed verdict: top-level `valid` and `steps` of booleans, keys among the eight steps. */
function printed(stdout: string) {
  const json = JSON.parse(stdout) as Record<string, unknown>;
  expect(typeof json.valid).toBe('boolean');
  const steps = json.steps as Record<string, unknown>;
  for (const [k, v] of Object.entries(steps)) {
    expect(STEP_NAMES).toContain(k);
    expect(typeof v).toBe('boolean');
  }
  return VerdictSchema.parse(json);
}

describe('gatepost verify', () => {
  test('a valid GP1 pass with its JWKS: exit 0 and the verdict as JSON', async () => {
    const r = await run([await signer.sign(gp1Claims(AT)), '--at', AT_ISO, '--trust', jwksFile]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const v = printed(r.stdout);
    expect(v).toMatchObject({ kind: 'GP1', valid: true });
    expect(Object.keys(v.steps)).toEqual(['unprefix', 'decode', 'signature', 'expiry', 'schema']);
  });

  test('a single JWK file is trusted too', async () => {
    const jwk = path.join(dir, 'key.jwk');
    writeFileSync(jwk, JSON.stringify(signer.publicJwk));
    const r = await run([await signer.sign(gp1Claims(AT)), '--at', AT_ISO, '--trust', jwk]);
    expect(r.code).toBe(0);
  });

  test('an HC1 certificate, trusting its DSC as PEM, DER, base64 or trust list: exit 0', async () => {
    const { code, cert, at } = await dccCaseContext('common/2DCode/raw/CO3.json');
    const der = Buffer.from(cert, 'base64');
    const files = {
      pem: `-----BEGIN CERTIFICATE-----\n${cert.replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`,
      der,
      b64: `${cert}\n`,
      json: JSON.stringify({ dsc: [cert] }),
    };
    for (const [ext, content] of Object.entries(files)) {
      const file = path.join(dir, `dsc.${ext}`);
      writeFileSync(file, content);
      const r = await run([code, '--at', new Date(at).toISOString(), '--trust', file]);
      expect(r.code, `${ext}: ${r.stderr}`).toBe(0);
      const v = printed(r.stdout);
      expect(v.kind).toBe('HC1');
      expect(Object.keys(v.steps)).toEqual([...STEP_NAMES]);
    }
  });

  test('several --trust files are merged', async () => {
    const { code, cert, at } = await dccCaseContext('common/2DCode/raw/CO3.json');
    const dscFile = path.join(dir, 'only-dsc.json');
    writeFileSync(dscFile, JSON.stringify({ dsc: [cert] }));
    const gp1 = await signer.sign(gp1Claims(at));
    for (const pass of [code, gp1]) {
      const r = await run([
        pass,
        '--at',
        new Date(at).toISOString(),
        '--trust',
        jwksFile,
        '--trust',
        dscFile,
      ]);
      expect(r.code).toBe(0);
    }
  });

  test('an expired pass: exit 1 with the failed step', async () => {
    const exp = Math.floor(AT / 1000) - 86_400;
    const r = await run([
      await signer.sign(gp1Claims(AT, { iat: exp - 600, exp })),
      '--at',
      AT_ISO,
      '--trust',
      jwksFile,
    ]);
    expect(r.code).toBe(1);
    const v = printed(r.stdout);
    expect(v).toMatchObject({ valid: false, steps: { expiry: false }, reasons: ['expired'] });
  });

  test('without --trust nothing is trusted: exit 1', async () => {
    const r = await run([await signer.sign(gp1Claims(AT)), '--at', AT_ISO]);
    expect(r.code).toBe(1);
    expect(printed(r.stdout)).toMatchObject({
      valid: false,
      steps: { signature: false },
      reasons: ['untrusted'],
    });
  });

  test('an unverified code: exit 1, kind unverified, no steps', async () => {
    const r = await run(['晋D12345']);
    expect(r.code).toBe(1);
    expect(printed(r.stdout)).toEqual({
      kind: 'unverified',
      valid: false,
      steps: {},
      reasons: ['unverified-code'],
      facts: { tests: [] },
    });
  });

  test('a broken HC1: decoding stops at the first failed step', async () => {
    const r = await run(['HC1:NOT*BASE45!']);
    expect(r.code).toBe(1);
    expect(printed(r.stdout)).toMatchObject({
      steps: { unprefix: true, base45: false },
      reasons: ['bad-base45'],
    });
  });

  test.each([
    ['no code', []],
    ['two codes', ['GP1:a', 'GP1:b']],
    ['an unknown option', ['GP1:a', '--when', 'now']],
    ['--at without a value', ['GP1:a', '--at']],
    ['--at that is no time', ['GP1:a', '--at', 'yesterday']],
    ['--at out of range', ['GP1:a', '--at', '2021-13-45T00:00:00Z']],
    ['a --trust file that does not exist', ['GP1:a', '--trust', '/nonexistent/trust.json']],
  ])('bad usage (%s): exit 2, message on stderr, nothing on stdout', async (_what, argv) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/gatepost verify/);
  });

  test('a --trust file that is no trust list, JWKS or certificate: exit 2', async () => {
    const file = path.join(dir, 'notes.txt');
    writeFileSync(file, 'remember to renew the trust list\n');
    const invalid = path.join(dir, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'x' }] }));
    for (const f of [file, invalid]) {
      const r = await run(['GP1:a', '--trust', f]);
      expect(r.code, f).toBe(2);
      expect(r.stderr).toContain(f);
    }
  });

  test('--help prints the usage: exit 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/usage: gatepost verify CODE/);
  });
});
