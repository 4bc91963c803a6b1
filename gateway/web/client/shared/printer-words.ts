import type { PrinterStatus } from '../../../../devices/printer/receipt.ts';
import { isStringKey, type StringKey, t } from './i18n.ts';

/**
 * A receipt printer in the screen's words (pure, no DOM): why a card was not printed (the
 * reason of the card reply's `printed`), and what the printer's retained health says
 * (`gatepost/{site}/printer/{printer}/health`: online, degraded or offline with its own status,
 * docs/passes.md). A printer that cannot print (offline, out of paper, cover open, a fault) is
 * `loud`: red on the kiosk's health panel and the yard's, and an alarm at the kiosk; paper
 * running low is a quiet warning.
 */
export interface PrinterHealthLike {
  state: 'online' | 'offline' | 'degraded';
  reason?: string;
  status?: PrinterStatus;
  at?: number;
}

export type PrinterCondition = 'online' | 'degraded' | 'paper-out' | 'cover-open' | 'error' | 'offline';

/** What is wrong with the printer, most blocking first. */
export function printerCondition(h: PrinterHealthLike): PrinterCondition {
  if (h.state === 'offline' || h.status?.online === false) return 'offline';
  if (h.status?.paperOut) return 'paper-out';
  if (h.status?.coverOpen) return 'cover-open';
  if (h.status?.error) return 'error';
  if (h.state === 'degraded' || h.status?.paperNearEnd) return 'degraded';
  return 'online';
}

/** The printer cannot print now: staff must see to it. */
export function isLoud(c: PrinterCondition): boolean {
  return c !== 'online' && c !== 'degraded';
}

/** The health panel's short word for the condition ("缺纸！" / "NO PAPER"). */
export function conditionWords(c: PrinterCondition): string {
  return t(`printerHealth.${c}`);
}

/** Why a print failed, with what to do, from the reply's reason (a PrintFailure or `no-printer`). */
export function printProblemWords(reason: string | undefined): string {
  const key = `printer.problem.${reason ?? 'unknown'}`;
  return t(isStringKey(key) ? (key as StringKey) : 'printer.problem.unknown');
}

/** The problem of a loud condition in words ("打印机缺纸（装入热敏纸卷）"), for the kiosk's alarm. */
export function conditionProblem(c: PrinterCondition): string {
  return printProblemWords(c === 'degraded' || c === 'online' ? undefined : c);
}
