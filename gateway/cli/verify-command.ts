import { parseArgs } from 'node:util';
import { errorMessage } from '../../core/errors.ts';
import { parseIsoTime } from '../passes/iso-time.ts';
import { emptyTrustStore, type TrustStore } from '../passes/trust-list.ts';
import { loadTrustSources } from '../passes/trust-source.ts';
import { verifyPass } from '../passes/verifier.ts';
import { wantsHelp } from './options.ts';

const USAGE = `usage: gatepost verify CODE [--at ISO-TIME] [--trust FILE ...]

Verifies a scanned pass (GP1: or HC1:) offline and prints the verdict as JSON.
  --at ISO-TIME   verify as of this time (default: now), e.g. 2021-06-01T18:00:00Z or
                  2021-06-02T02:00:00+08:00; a time without a zone is UTC, not local time
  --trust FILE    trust this trust list, JWKS, JWK, or PEM/DER certificate; repeatable.
                  Without --trust nothing is trusted and every pass verifies as untrusted.
Exit status: 0 valid, 1 invalid or unverified, 2 bad usage.
`;

/** `gatepost verify`; `argv` is what follows "verify". Resolves to the exit status. */
export async function verifyCommand(
  argv: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  if (wantsHelp(argv)) {
    out.write(USAGE);
    return 0;
  }
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
    const parsed = parseIsoTime(values.at);
    if (parsed === undefined) {
      err.write(
        `gatepost verify: --at must be an ISO 8601 time of a real date (UTC unless it names a zone), got ${JSON.stringify(values.at)}\n`,
      );
      return 2;
    }
    at = parsed;
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
