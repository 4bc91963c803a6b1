import { newEd25519Jwks } from '../../../core/ed25519-key-pair.ts';

/**
 * For test/core/ed25519-key-pair.test.ts, in a process of its own (a deadlocked main thread ignores
 * every timer, so only the parent can tell): makes `n` key pairs, then prints how many distinct
 * public keys it made.
 */
const n = Number(process.argv[2] ?? 1000);
const seen = new Set<string>();
for (let i = 0; i < n; i++) seen.add(newEd25519Jwks().publicJwk.x);
process.stdout.write(`${seen.size}\n`);
