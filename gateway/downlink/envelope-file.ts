import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { parseBoundedJson } from '../../core/bounded-json.ts';
import { ErrorCode, GatepostError } from '../../core/errors.ts';
import { readFileCapped } from '../../core/read-file-capped.ts';
import { type DownlinkClaims, DownlinkClaimsSchema } from './envelope.ts';

/** An envelope file is at most the largest trust list and its wrapping. */
export const MAX_ENVELOPE_FILE_BYTES = 17 * 1024 * 1024;

/**
 * What `gatepost central publish|sign` reads: the claims of an envelope, where `id`, `site`,
 * `iat` and `exp` may be left out (the command fills them: a new UUID, the --site, now, now +
 * --ttl). `kind`, `version` and `payload` are the author's.
 */
export const EnvelopeFileSchema = DownlinkClaimsSchema.partial({
  id: true,
  site: true,
  iat: true,
  exp: true,
});
export type EnvelopeFile = z.infer<typeof EnvelopeFileSchema>;

export function readEnvelopeFile(
  file: string,
  fill: { site?: string; ttlSeconds: number; nowMs: number },
): DownlinkClaims {
  const parsed = parseBoundedJson(readFileCapped(file, MAX_ENVELOPE_FILE_BYTES), {
    maxBytes: MAX_ENVELOPE_FILE_BYTES,
    maxDepth: 32,
  });
  if (!parsed.ok) throw new GatepostError(ErrorCode.ConfigUnreadable, `${file} ${parsed.error}`);
  const e = EnvelopeFileSchema.safeParse(parsed.value);
  if (!e.success) {
    const issue = e.error.issues[0];
    throw new GatepostError(
      ErrorCode.PayloadInvalid,
      `${file}: ${issue?.path.join('.') || 'envelope'}: ${issue?.message}`,
    );
  }
  const iat = e.data.iat ?? Math.floor(fill.nowMs / 1000);
  const site = fill.site ?? e.data.site;
  if (!site)
    throw new GatepostError(ErrorCode.PayloadInvalid, `${file}: no site (give --site SITE or --site all)`);
  return {
    ...e.data,
    id: e.data.id ?? randomUUID(),
    site,
    iat,
    exp: e.data.exp ?? iat + fill.ttlSeconds,
  };
}
