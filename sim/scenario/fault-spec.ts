import { ErrorCode, GatepostError } from '../../core/errors.ts';
import { formatPath } from '../../core/value-path.ts';
import { type FaultEntry, FaultEntrySchema } from './schema.ts';

const NUMERIC = new Set(['bytes', 'code', 'count', 'tempC']);

/**
 * A fault given on the command line, in the fields of a timeline entry:
 * `KIND[,key=value...]`, e.g. `unplug,lane=east-1,device=scanner,for=30s,at=00:10:00` or
 * `bus-silent,bus=bus-3,for=2m`. Without `at` it is injected as soon as the run starts.
 * Throws a GatepostError (ConfigInvalid) naming the problem.
 */
export function parseFaultSpec(spec: string): FaultEntry {
  const [first = '', ...rest] = spec.split(',').map((p) => p.trim());
  const raw: Record<string, unknown> = { at: 0 };
  const parts = first.includes('=') ? [first, ...rest] : rest;
  if (!first.includes('=')) raw.fault = first;
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw invalid(spec, `"${part}" is not key=value`);
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    raw[key] = NUMERIC.has(key) && value !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  const parsed = FaultEntrySchema.safeParse(raw);
  if (!parsed.success) {
    throw invalid(spec, parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

function invalid(spec: string, why: string): GatepostError {
  return new GatepostError(ErrorCode.ConfigInvalid, `--fault ${spec}: ${why}`);
}
