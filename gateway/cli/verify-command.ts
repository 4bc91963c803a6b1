import { parseArgs } from 'node:util';
import { errorMessage } from '../../core/errors.ts';
import { emptyTrustStore, type TrustStore } from '../passes/trust-list.ts';
import { loadTrustSources } from '../passes/trust-source.ts';
import { verifyPass } from '../passes/verifier.ts';

const USAGE = `usage: gatepost verify CODE [--at ISO-TIME] [--trust FILE ...]

Verifies a scanned pass (GP1: or HC1:) offline and prints the verdict as JSON.
  --at ISO-TIME   verify as of this time (default: now), e.g. 2021-06-01T18:00:00Z
  --trust FILE    trust this trust list, JWKS, JWK, or PEM/DER certificate; repeatable.
                  Without --trust nothing is trusted and every pass verifies as untrusted.
Exit status: 0 valid, 1 invalid or unverified, 2 bad usage.
`;

/** An ISO 8601 date, optionally with a time and a zone. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** `gatepost verify`; `argv` is what follows "verify". Resolves to the exit status. */
export async function verifyCommand(
  argv: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  let values: { at?: string; trust?: string[]; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        at: { type: 'string' },
        trust: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    err.write(`gatepost verify: ${errorMessage(e)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    out.write(USAGE);
    return 0;
  }
  const code = positionals[0];
  if (positionals.length !== 1 || code === undefined) {
    err.write(`gatepost verify: expected exactly one CODE, got ${positionals.length}\n${USAGE}`);
    return 2;
  }
  let at = Date.now();
  if (values.at !== undefined) {
    at = ISO_TIME.test(values.at) ? Date.parse(values.at) : Number.NaN;
    if (!Number.isFinite(at)) {
      err.write(`gatepost verify: --at must be an ISO 8601 time, got ${JSON.stringify(values.at)}\n`);
      return 2;
    }
  }
  let trust: TrustStore = emptyTrustStore();
  if (values.trust && values.trust.length > 0) {
    try {
      trust = await loadTrustSources(values.trust);
    } catch (e) {
      err.write(`gatepost verify: ${errorMessage(e)}\n`);
      return 2;
    }
  }
  const verdict = await verifyPass(code, { at, trust });
  out.write(`${JSON.stringify(verdict, null, 2)}\n`);
  return verdict.valid ? 0 : 1;
}
