import { z } from 'zod';
import { SiteConfigSchema } from '../../site-config/schema.ts';

/** The JSON Schema of a site config file, for editors (`# yaml-language-server: $schema=...`). */
export function renderConfigJsonSchema(): string {
  const schema = z.toJSONSchema(SiteConfigSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'Gatepost site config' }, null, 2)}\n`;
}
