import { z } from 'zod';
import { parseBoundedJson } from '../../core/bounded-json.ts';

/**
 * Requests and replies over MQTT share one envelope. A client publishes a request on
 * `.../request/<action>` with a `transaction` of its choosing and reads the reply on
 * `.../response/<action>`, matched by that transaction.
 */
/** The request envelope's fields, built once and shared by every request topic's schema (docs/memory.md). */
const REQUEST_FIELDS = {
  transaction: z.string().min(1).max(64).describe('Chosen by the client; echoed in the reply'),
  staffId: z.string().min(1).max(32).describe('Who asks; every action is audited under this id'),
};

export function requestSchema<D extends z.ZodType>(data: D) {
  return z.strictObject({ ...REQUEST_FIELDS, data });
}

export const ResponseSchema = z
  .object({
    transaction: z.string(),
    status: z.enum(['ok', 'error']),
    data: z.unknown().optional(),
    error: z.string().optional().describe('Plain words for the person at the screen'),
  })
  .strict();
export type Response = z.infer<typeof ResponseSchema>;

/** Largest request payload accepted; anything bigger is refused before parsing. */
export const MAX_REQUEST_BYTES = 16 * 1024;
/** Deepest nesting of a request's JSON (the envelope and its data are two levels of it). */
const MAX_REQUEST_DEPTH = 8;

export type ParsedRequest<T> = { ok: true; request: T } | { ok: false; transaction: string; error: string };

/**
 * The JSON of a request payload, within its budget: size, strict UTF-8 (bytes that are not UTF-8
 * are refused, never read as U+FFFD), nesting, each checked before the work that follows.
 */
export function requestJson(payload: Buffer): { ok: true; json: unknown } | { ok: false; error: string } {
  const parsed = parseBoundedJson(payload, { maxBytes: MAX_REQUEST_BYTES, maxDepth: MAX_REQUEST_DEPTH });
  return parsed.ok ? { ok: true, json: parsed.value } : { ok: false, error: `request ${parsed.error}` };
}

/** Size cap, UTF-8, nesting, JSON, then the schema; the error names the field and the problem. */
export function parseRequest<S extends z.ZodType>(schema: S, payload: Buffer): ParsedRequest<z.infer<S>> {
  const read = requestJson(payload);
  if (!read.ok) return { ok: false, transaction: '', error: read.error };
  const json = read.json;
  const transaction =
    typeof json === 'object' &&
    json !== null &&
    typeof (json as { transaction?: unknown }).transaction === 'string'
      ? String((json as { transaction: string }).transaction).slice(0, 64)
      : '';
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'request';
    return { ok: false, transaction, error: `${where}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, request: parsed.data };
}
