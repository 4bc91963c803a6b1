import { ERROR_CATALOGUE, type ErrorName } from './error-codes.ts';

/**
 * One error type for the whole project, with a numeric code from the catalogue (error-codes.ts,
 * docs/errors.md), in a range per layer. Branch on `code`, never on the message text.
 */
export type ErrorCode = (typeof ERROR_CATALOGUE)[ErrorName]['code'];
export const ErrorCode = Object.fromEntries(
  Object.entries(ERROR_CATALOGUE).map(([name, entry]) => [name, entry.code]),
) as { readonly [N in ErrorName]: (typeof ERROR_CATALOGUE)[N]['code'] };

export class GatepostError extends Error {
  override readonly name = 'GatepostError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isGatepostError(e: unknown, code?: ErrorCode): e is GatepostError {
  return e instanceof GatepostError && (code === undefined || e.code === code);
}

/** A message for any thrown value, for logs and replies. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
