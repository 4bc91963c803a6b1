import { z } from 'zod';

/**
 * The one result type of pass verification, for every kind of pass. The decision rules read
 * `valid`, `reasons` and `facts`; `steps` says how far verification got and what failed.
 */

export const PASS_KINDS = ['GP1', 'HC1', 'unverified'] as const;
export type PassKind = (typeof PASS_KINDS)[number];

/**
 * Verification steps in order. The decoding steps (unprefix to decode) stop at the first
 * failure; once decoded, signature, expiry, schema and keyUsage are each evaluated on their own.
 * A step is absent when it was not reached or does not apply to the kind of pass.
 */
export const STEP_NAMES = [
  'unprefix',
  'base45',
  'decompress',
  'decode',
  'signature',
  'expiry',
  'schema',
  'keyUsage',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/**
 * Machine-readable reason codes, by the step that gives them; docs/passes.md explains each one.
 * A code that is no pass at all (`unverified-code`) has no step; `internal-error` any step;
 * `card-revoked` (one of this site's cards, revoked: gateway/cards/revoked-cards.ts) none.
 */
const DECODING_REASONS = [
  'too-long',
  'bad-prefix',
  'bad-base45',
  'bad-compression',
  'too-large',
  'bad-cose',
  'bad-cwt',
  'cbor-budget',
  'bad-jws',
] as const;
const SIGNATURE_REASONS = ['untrusted', 'unknown-kid', 'unsupported-alg', 'bad-signature'] as const;
const EXPIRY_REASONS = ['no-expiry', 'expired', 'not-yet-valid', 'dsc-expired', 'dsc-not-yet-valid'] as const;
const SCHEMA_REASONS = ['bad-claims', 'schema-invalid', 'value-set', 'not-one-entry'] as const;
export const REASON_CODES = [
  'unverified-code',
  ...DECODING_REASONS,
  ...SIGNATURE_REASONS,
  ...EXPIRY_REASONS,
  ...SCHEMA_REASONS,
  'key-usage',
  'card-revoked',
  'internal-error',
] as const;
export const ReasonCodeSchema = z.enum(REASON_CODES);
export type ReasonCode = z.infer<typeof ReasonCodeSchema>;

export const StepsSchema = z
  .object(
    Object.fromEntries(STEP_NAMES.map((s) => [s, z.boolean().optional()])) as Record<
      StepName,
      z.ZodOptional<z.ZodBoolean>
    >,
  )
  .strict();
export type Steps = z.infer<typeof StepsSchema>;

export const PassTestSchema = z
  .object({
    kind: z.enum(['antigen', 'pcr']),
    result: z.enum(['negative', 'positive']),
    /** Sample time, epoch milliseconds. */
    at: z.number(),
  })
  .strict();
export type PassTest = z.infer<typeof PassTestSchema>;

export const CERTIFICATE_TYPES = ['vaccination', 'recovery', 'test', 'native'] as const;
export type CertificateType = (typeof CERTIFICATE_TYPES)[number];

export const PassFactsSchema = z
  .object({
    plate: z.string().optional(),
    /**
     * The holder's pseudonymous id: GP1 `sub`; for an EU DCC `dcc:` and a hash of its unique
     * certificate identifier (UVCI), so that the yard exit finds the truck by the same certificate.
     */
    subject: z.string().optional(),
    name: z.string().optional(),
    color: z.enum(['green', 'yellow', 'red']).optional(),
    tests: z.array(PassTestSchema),
    certificateType: z.enum(CERTIFICATE_TYPES).optional(),
    issuer: z.string().optional(),
    /** Where the holder comes from and goes to (GP1 `origin`, `dest`: region codes). */
    origin: z.string().optional(),
    destination: z.string().optional(),
    /** Epoch milliseconds. */
    issuedAt: z.number().optional(),
    /** Epoch milliseconds. */
    expiresAt: z.number().optional(),
  })
  .strict();
export type PassFacts = z.infer<typeof PassFactsSchema>;

export const VerdictSchema = z
  .object({
    kind: z.enum(PASS_KINDS),
    valid: z.boolean(),
    steps: StepsSchema,
    reasons: z.array(ReasonCodeSchema),
    facts: PassFactsSchema,
  })
  .strict();
export type Verdict = z.infer<typeof VerdictSchema>;

/** Collects steps and reasons while a pass is verified, then computes `valid` once. */
export class VerdictBuilder {
  readonly steps: Steps = {};
  readonly reasons: ReasonCode[] = [];
  facts: PassFacts = { tests: [] };

  constructor(readonly kind: PassKind) {}

  pass(step: StepName): this {
    this.steps[step] = true;
    return this;
  }

  fail(step: StepName, ...reasons: ReasonCode[]): this {
    this.steps[step] = false;
    for (const r of reasons) this.reason(r);
    return this;
  }

  /** Records `ok` for the step; on failure adds the reasons. */
  check(step: StepName, ok: boolean, ...reasonsIfFailed: ReasonCode[]): boolean {
    if (ok) this.pass(step);
    else this.fail(step, ...reasonsIfFailed);
    return ok;
  }

  reason(code: ReasonCode): this {
    if (!this.reasons.includes(code)) this.reasons.push(code);
    return this;
  }

  /**
   * Valid only for a known kind whose signature was verified, with every step reached true and
   * no reason against it.
   */
  finish(): Verdict {
    const stepsOk = Object.values(this.steps).every((ok) => ok === true);
    const valid =
      this.kind !== 'unverified' && this.steps.signature === true && stepsOk && this.reasons.length === 0;
    return {
      kind: this.kind,
      valid,
      steps: { ...this.steps },
      reasons: [...this.reasons],
      facts: this.facts,
    };
  }
}

/** The verdict for a code that is not a pass format we know. */
export function unverifiedVerdict(): Verdict {
  return new VerdictBuilder('unverified').reason('unverified-code').finish();
}
