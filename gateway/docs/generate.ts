import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderConfigJsonSchema } from './config-doc.ts';
import { renderErrorsDoc } from './errors-doc.ts';
import { renderMqttDoc } from './mqtt-doc.ts';

/** The generated documents: path (from the repo root) → content. */
export function generatedDocs(): Record<string, string> {
  return {
    'docs/mqtt.md': renderMqttDoc(),
    'docs/config.schema.json': renderConfigJsonSchema(),
    'docs/errors.md': renderErrorsDoc(),
  };
}

const root = resolve(import.meta.dirname, '../..');

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  for (const [path, content] of Object.entries(generatedDocs())) {
    writeFileSync(resolve(root, path), content);
    process.stdout.write(`wrote ${path}\n`);
  }
}
