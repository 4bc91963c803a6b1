import { createRequire } from 'node:module';
import { DCC_SCHEMA_VERSIONS, dccSchemaOf, dccValidatorName, newDccAjv } from './hc1-schema.ts';

/**
 * Every bundled DCC schema's validator as code (Ajv's standalone output, CommonJS): the release
 * build writes it into dist/ as DCC_VALIDATORS_FILE (bin/bundle.js), so that an installed gateway
 * neither loads Ajv nor compiles at start. The same Ajv options as the compile at start
 * (hc1-schema.ts newDccAjv); test/passes/dcc-standalone.test.ts holds both to the same verdicts.
 */
export function dccValidatorsSource(): string {
  const ajv = newDccAjv({ source: true });
  for (const v of DCC_SCHEMA_VERSIONS) ajv.addSchema(dccSchemaOf(v), v);
  const require = createRequire(import.meta.url);
  const standalone = require('ajv/dist/standalone/index.js') as typeof import('ajv/dist/standalone/index.js');
  return standalone.default(
    ajv,
    Object.fromEntries(DCC_SCHEMA_VERSIONS.map((v) => [dccValidatorName(v), v])),
  );
}

/** The schema files the validators were made from (the release's manifest lists them as inputs). */
export function dccSchemaFiles(): string[] {
  return DCC_SCHEMA_VERSIONS.map((v) => `gateway/passes/dcc-schemas/${v}.json`);
}
