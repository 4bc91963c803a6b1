import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newEd25519Jwks } from '../../core/ed25519-key-pair.ts';

/**
 * Node 20 can deadlock its main thread for good when a key pair just made by
 * `generateKeyPairSync` is exported from the KeyObject it returned (core/ed25519-key-pair.ts has
 * the native stack). A vitest worker stuck so ignores every timeout: the clean-clone suite once
 * hung on test/hostile/downlink-envelope.test.ts's 10,000 keys. Every key pair is therefore made
 * by newEd25519Jwks, which asks the generation itself for the JWKs; this keeps it so.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const FOLDERS = ['bench', 'bin', 'broker', 'core', 'devices', 'gateway', 'ops', 'sim', 'site-config', 'test'];
const THE_ONE = 'core/ed25519-key-pair.ts';
const SELF = relative(ROOT, import.meta.filename);
/**
 * Any mention of node:crypto's or jose's key-pair generation (calls, imports, aliases) or of
 * WebCrypto's `subtle.generateKey` (jose exports its keys through the same KeyObject export).
 */
const GENERATION = /\bgenerateKeyPair(Sync)?\b|\bsubtle\s*\.\s*generateKey\b/;
/** A key made and only used to sign, never exported, may say so on the lines that name it. */
const NEVER_EXPORTED = '// key-generation: never exported';

const SOURCE = /\.[mc]?[tj]s$/;

/** The project's source files: those at its root and those under its folders of code. */
function sources(): string[] {
  const atRoot = readdirSync(ROOT, { withFileTypes: true })
    .filter((e) => e.isFile() && SOURCE.test(e.name))
    .map((e) => e.name);
  const inFolders = FOLDERS.flatMap((folder) =>
    readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && SOURCE.test(e.name) && !e.parentPath.includes('node_modules'))
      .map((e) => relative(ROOT, join(e.parentPath, e.name))),
  );
  return [...atRoot, ...inFolders];
}

describe('architecture: key pairs are made one way', () => {
  it('the pattern finds the generation where it is (it can fail)', () => {
    expect(readFileSync(join(ROOT, 'test/passes/gp1.test.ts'), 'utf8')).toContain(NEVER_EXPORTED);
    expect(readFileSync(join(ROOT, THE_ONE), 'utf8')).toMatch(GENERATION);
    expect("generateKeyPairSync('ed25519')").toMatch(GENERATION);
    expect('generateKeyPair("rsa", {}, cb)').toMatch(GENERATION);
    expect("await generateKeyPair('EdDSA', { crv: 'Ed25519' })").toMatch(GENERATION);
    expect("import { generateKeyPairSync as make } from 'node:crypto';").toMatch(GENERATION);
    expect("await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign'])").toMatch(GENERATION);
    expect('const { generateKeyPair: gen } = jose;').toMatch(GENERATION);
    expect('generateCentralKey(kid)').not.toMatch(GENERATION);
  });

  it('no file but core/ed25519-key-pair.ts names a key-pair generation (calls, imports, aliases)', () => {
    const files = sources().filter((f) => f !== THE_ONE && f !== SELF);
    expect(files.length).toBeGreaterThan(200);
    const hits = files.flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          GENERATION.test(line) && !line.includes(NEVER_EXPORTED) ? [`${file}:${i + 1}: ${line.trim()}`] : [],
        ),
    );
    expect(hits).toEqual([]);
  });

  it('newEd25519Jwks makes distinct pairs whose halves belong together', () => {
    const a = newEd25519Jwks();
    const b = newEd25519Jwks();
    expect(a.privateJwk.x).toBe(a.publicJwk.x);
    expect(a.publicJwk.x).not.toBe(b.publicJwk.x);
    expect(Buffer.from(a.privateJwk.d, 'base64url')).toHaveLength(32);
    expect(Buffer.from(a.publicJwk.x, 'base64url')).toHaveLength(32);
    const data = Buffer.from('gatepost');
    const signature = sign(null, data, createPrivateKey({ key: a.privateJwk, format: 'jwk' }));
    expect(verify(null, data, createPublicKey({ key: a.publicJwk, format: 'jwk' }), signature)).toBe(true);
    expect(verify(null, data, createPublicKey({ key: b.publicJwk, format: 'jwk' }), signature)).toBe(false);
  });
});
