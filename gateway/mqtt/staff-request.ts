import { z } from 'zod';
import { ErrorCode } from '../../core/errors.ts';
import { parseRequest, requestSchema } from './envelope.ts';

/**
 * The first steps of every staff request of a family (yard, cards): the action known, the
 * envelope within its size cap, JSON, and the action's schema (envelope.ts). Either the request,
 * or the reply that refuses it, echoing its transaction whenever the envelope gives one so that
 * the page can match the reply.
 */
export type StaffRequest<A extends string> =
  | { ok: true; action: A; transaction: string; staffId: string; data: unknown }
  | {
      ok: false;
      reply: {
        transaction: string;
        status: 'error';
        error: string;
        data: { code: number; reason: 'unknown-action' | 'invalid-request' };
      };
    };

const ANY_REQUEST = requestSchema(z.unknown());

/** The full request schema (the shared envelope around the action's data) of each action. */
export function staffRequestParser<A extends string>(
  actions: Record<A, z.ZodType>,
): (action: string, payload: Buffer) => StaffRequest<A> {
  const schemas = new Map<string, ReturnType<typeof requestSchema>>(
    Object.entries<z.ZodType>(actions).map(([action, data]) => [action, requestSchema(data)]),
  );
  return (action, payload) => {
    const schema = schemas.get(action);
    if (!schema) {
      const envelope = parseRequest(ANY_REQUEST, payload);
      const transaction = envelope.ok ? envelope.request.transaction : envelope.transaction;
      const data = { code: ErrorCode.PayloadInvalid, reason: 'unknown-action' as const };
      return {
        ok: false,
        reply: { transaction, status: 'error', error: `unknown action "${action}"`, data },
      };
    }
    const parsed = parseRequest(schema, payload);
    if (!parsed.ok) {
      const data = { code: ErrorCode.PayloadInvalid, reason: 'invalid-request' as const };
      return {
        ok: false,
        reply: { transaction: parsed.transaction, status: 'error', error: parsed.error, data },
      };
    }
    const { transaction, staffId, data } = parsed.request;
    return { ok: true, action: action as A, transaction, staffId, data };
  };
}
