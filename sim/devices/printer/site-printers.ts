import type { SiteConfig } from '../../../site-config/schema.ts';

export interface SitePrinterLine {
  id: string;
  transport: 'serial' | 'usblp';
  path: string;
  /** Serial: the configured speed; usblp: 115200 (a PTY here, paced at that). */
  baudRate: number;
}

/** Where each printer of the config's `printers` section is, as the simulator plugs it in. */
export function sitePrinterLines(config: SiteConfig): SitePrinterLine[] {
  return config.printers.map((p) => ({
    id: p.id,
    transport: p.transport,
    path: p.path,
    baudRate: p.transport === 'serial' ? p.baudRate : 115_200,
  }));
}
