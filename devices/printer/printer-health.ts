import type { HealthRule } from '../health.ts';
import type { PrinterStatus } from './receipt.ts';

/**
 * Health of a receipt printer (devices/health.ts): status asked every statusPollMs (every second
 * while a round failed or it is not online), 500 ms per reply: offline after 3 unanswered rounds
 * and 3 s without an answer; back after 2 answers; degraded while it reports a fault of its own
 * (paper out or near its end, cover open, an error) or a share of its replies are late or garbage.
 */
export const PRINTER_HEALTH_RULE: HealthRule = {
  offlineAfterFailures: 3,
  offlineAfterMs: 3000,
  onlineAfterAnswers: 2,
  windowSamples: 10,
  windowMs: 60_000,
  degradedAt: 3,
  recoverAt: 0,
};

/** While not online (or after a failed round), ask this often at most. */
export const RECOVERY_POLL_MS = 1000;

export function sameStatus(a: PrinterStatus, b: PrinterStatus): boolean {
  return (
    a.online === b.online &&
    a.paperOut === b.paperOut &&
    a.paperNearEnd === b.paperNearEnd &&
    a.coverOpen === b.coverOpen &&
    a.error === b.error
  );
}

/** The fault the printer reports of itself, in words, if any (it degrades its health). */
export function faultOf(status: PrinterStatus): string | undefined {
  const faults = [
    status.coverOpen ? 'cover open' : undefined,
    status.paperOut ? 'paper out' : undefined,
    status.error ? 'error' : undefined,
    status.paperNearEnd && !status.paperOut ? 'paper near its end' : undefined,
  ].filter((f) => f !== undefined);
  return faults.length > 0 ? faults.join(', ') : undefined;
}
