import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, test } from 'vitest';
import { dccValidatorsSource } from '../../gateway/passes/dcc-standalone.ts';
import {
  DCC_SCHEMA_VERSIONS,
  dccSchemaOf,
  dccValidatorName,
  newDccAjv,
} from '../../gateway/passes/hc1-schema.ts';
import { DGC_DIR, listJsonFiles } from './helpers.ts';

// A release carries the DCC schemas compiled at build time (dist/dcc-validators.cjs); a dev
// checkout compiles them at start. Both must give every payload the same verdict.
const DIR = path.resolve(import.meta.dirname, '../../node_modules/.cache/gatepost-test');
const FILE = path.join(DIR, `dcc-validators-${process.pid}.cjs`);

afterAll(() => rmSync(FILE, { force: true }));

/** Every DCC payload of the public test data, and each with one field broken or removed. */
function payloads(): { name: string; dcc: unknown }[] {
  const out: { name: string; dcc: unknown }[] = [];
  for (const file of listJsonFiles(DGC_DIR)) {
    let json: unknown;
    try {
      json = (JSON.parse(readFileSync(path.join(DGC_DIR, file), 'utf8')) as { JSON?: unknown }).JSON;
    } catch {
      continue;
    }
    if (!json || typeof json !== 'object') continue;
    out.push({ name: file, dcc: json });
    const d = json as Record<string, unknown>;
    out.push({ name: `${file} without nam`, dcc: { ...d, nam: undefined } });
    out.push({ name: `${file} dob a number`, dcc: { ...d, dob: 19900101 } });
    out.push({ name: `${file} an extra field`, dcc: { ...d, extra: 'x' } });
  }
  return out;
}

describe('the DCC validators compiled at build time', () => {
  test('give every payload the verdict of the schemas compiled at start, for every version', () => {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(FILE, dccValidatorsSource());
    const built = createRequire(import.meta.url)(FILE) as Record<string, ValidateFunction>;
    const ajv = newDccAjv();
    const all = payloads();
    expect(all.length).toBeGreaterThan(100);
    let valid = 0;
    let invalid = 0;
    for (const v of DCC_SCHEMA_VERSIONS) {
      const atStart = ajv.compile(dccSchemaOf(v));
      const prebuilt = built[dccValidatorName(v)];
      expect(prebuilt, v).toBeTypeOf('function');
      for (const { name, dcc } of all) {
        const a = atStart(JSON.parse(JSON.stringify(dcc)));
        const b = prebuilt?.(JSON.parse(JSON.stringify(dcc)));
        expect(b, `${v} ${name}`).toBe(a);
        if (a) valid++;
        else invalid++;
      }
    }
    // Both verdicts occur, so the comparison says something.
    expect(valid).toBeGreaterThan(50);
    expect(invalid).toBeGreaterThan(50);
  });
});
