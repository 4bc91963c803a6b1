import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Gp1PublicJwk } from './gp1-issuer.ts';

/** The trust list file of devices.md section 1: `keys` (JWKS keys, GP1) and `dsc` (base64 DER, HC1). */
export interface TrustListContent {
  keys: Gp1PublicJwk[];
  dsc: string[];
}

export function trustListContent(
  keys: readonly Gp1PublicJwk[],
  dscs: readonly Uint8Array[],
): TrustListContent {
  return { keys: [...keys], dsc: dscs.map((der) => Buffer.from(der).toString('base64')) };
}

/**
 * Writes the trust list for the gateway: the directory is created, and the file is replaced
 * atomically (written beside it, then renamed), so a gateway watching it never reads half a file.
 */
export async function writeTrustList(path: string, content: TrustListContent): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, path);
}
