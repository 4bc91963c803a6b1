import { z } from 'zod';

/**
 * The part of a site config's `printers` entries the simulator needs: the id and where the
 * printer is. Read on its own (not through the gateway's printer schema) so the simulator knows
 * no gateway internals; other fields of an entry are the gateway's business and are let through.
 */
const PrinterLineSchema = z
  .object({
    id: z.string().min(1),
    transport: z.enum(['serial', 'usblp']),
    path: z.string().min(1),
    baudRate: z.number().int().positive().optional(),
  })
  .passthrough();

export interface SitePrinterLine {
  id: string;
  transport: 'serial' | 'usblp';
  path: string;
  /** Serial: the configured speed (the printer's default 9600 when absent); usblp: 115200 (a PTY here). */
  baudRate: number;
}

/** The printers of a site config (none when it has no `printers` section). */
export function sitePrinterLines(config: object): SitePrinterLine[] {
  const raw = (config as { printers?: unknown }).printers;
  if (raw === undefined) return [];
  return z
    .array(PrinterLineSchema)
    .parse(raw)
    .map((p) => ({
      id: p.id,
      transport: p.transport,
      path: p.path,
      baudRate: p.transport === 'usblp' ? 115_200 : (p.baudRate ?? 9600),
    }));
}
