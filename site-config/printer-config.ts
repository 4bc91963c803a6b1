import { z } from 'zod';
import { SerialPrinterConfigSchema, UsblpPrinterConfigSchema } from '../devices/printer/config.ts';
import { ConfigIdSchema as id } from './config-id.ts';

/**
 * The `printers` section (optional): the site's ESC/POS receipt printers that print drivers'
 * cards (docs/configuration.md, docs/passes.md#site-key-and-cards). Each names what it serves: the
 * kiosks of some lanes, and/or the yard's bay panels; a card is printed on the first printer
 * serving the place it is issued at, unless the request names another.
 */
const serves = z
  .object({
    lanes: z.array(id).max(64).default([]).describe('The lanes whose kiosks print on it'),
    yard: z.boolean().default(false).describe("The yard's bay panels print on it"),
  })
  .strict()
  .refine((s) => s.lanes.length > 0 || s.yard, { message: 'serves no lane and not the yard' });

const common = {
  id: id.describe('Printer id, used in MQTT topics (`printer/{printer}/health`)'),
  serves,
};

export const PrinterConfigSchema = z.discriminatedUnion('transport', [
  SerialPrinterConfigSchema.extend(common),
  UsblpPrinterConfigSchema.extend(common),
]);
export type PrinterConfig = z.infer<typeof PrinterConfigSchema>;

export const PrintersSectionSchema = z.array(PrinterConfigSchema).max(32).default([]);

interface SiteShape {
  printers: PrinterConfig[];
}

/**
 * Printer ids and device paths are each used once. A lane a printer serves that the site does not
 * have is not an error (a config trimmed to fewer lanes keeps its printers); it is never chosen.
 */
export function checkPrinterReferences(cfg: SiteShape, ctx: z.RefinementCtx): void {
  const ids = new Set<string>();
  const paths = new Set<string>();
  cfg.printers.forEach((p, i) => {
    if (ids.has(p.id))
      ctx.addIssue({
        code: 'custom',
        path: ['printers', i, 'id'],
        message: `printer id "${p.id}" is used twice`,
      });
    ids.add(p.id);
    if (paths.has(p.path))
      ctx.addIssue({
        code: 'custom',
        path: ['printers', i, 'path'],
        message: `${p.path} is used by two printers`,
      });
    paths.add(p.path);
  });
}
