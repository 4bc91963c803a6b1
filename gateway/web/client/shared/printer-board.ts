import { isLoud, type PrinterCondition, type PrinterHealthLike, printerCondition } from './printer-words.ts';

/**
 * The receipt printers a page watches, from their retained health topics
 * (`gatepost/{site}/printer/{printer}/health`): each one's condition, in the order of their ids,
 * and which became loud or quiet with the last message (so the kiosk raises its alarm once per
 * problem and ends it when the printer is back). Pure data.
 */
export interface PrinterEntry {
  id: string;
  condition: PrinterCondition;
  reason: string;
  at: number;
}

export class PrinterBoard {
  private readonly printers = new Map<string, PrinterEntry>();

  /** Takes a printer's health; says whether it turned loud, quiet, or neither. */
  apply(id: string, health: PrinterHealthLike): 'loud' | 'quiet' | undefined {
    const before = this.printers.get(id);
    const condition = printerCondition(health);
    this.printers.set(id, { id, condition, reason: health.reason ?? '', at: health.at ?? 0 });
    const was = before ? isLoud(before.condition) : false;
    const now = isLoud(condition);
    if (now && (!was || before?.condition !== condition)) return 'loud';
    if (!now && was) return 'quiet';
    return undefined;
  }

  /** The printers known, by id. */
  all(): PrinterEntry[] {
    return [...this.printers.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  get size(): number {
    return this.printers.size;
  }
}
