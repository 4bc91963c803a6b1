import type { SerialLink } from '../../../devices/serial/link.ts';

/**
 * A printer's end of the line, scripted by a test (none of the driver's code): it answers
 * DLE EOT 1, 2 and 4 (10 04 n) from its state with the reply bytes of the ESC/POS reference
 * (bits 1 and 4 always set), and keeps every other byte as printed. The test sets its state:
 * out of paper, cover open, silent, late, or answering garbage.
 */
export interface ScriptedPrinterState {
  paperOut: boolean;
  paperNearEnd: boolean;
  coverOpen: boolean;
  error: boolean;
  /** Answer nothing. */
  silent: boolean;
  /** Answer after this many ms. */
  delayMs: number;
  /** Answer this byte instead of the status (garbage). */
  garbage: number | undefined;
  /** Run out of paper once this many receipt bytes have been printed. */
  paperOutAfterBytes: number | undefined;
}

export interface ScriptedPrinter {
  readonly state: ScriptedPrinterState;
  /** Bytes received that are not status requests (the receipts). */
  readonly printed: number[];
  /** Status requests received, by n. */
  readonly asked: number[];
}

export function scriptedPrinter(
  link: SerialLink,
  initial: Partial<ScriptedPrinterState> = {},
): ScriptedPrinter {
  const state: ScriptedPrinterState = {
    paperOut: false,
    paperNearEnd: false,
    coverOpen: false,
    error: false,
    silent: false,
    delayMs: 0,
    garbage: undefined,
    paperOutAfterBytes: undefined,
    ...initial,
  };
  const printed: number[] = [];
  const asked: number[] = [];
  let pending: number[] = [];

  const reply = (n: number): number => {
    if (state.garbage !== undefined) return state.garbage;
    const offline = state.paperOut || state.coverOpen || state.error;
    if (n === 1) return 0x12 | (offline ? 0x08 : 0);
    if (n === 2)
      return 0x12 | (state.coverOpen ? 0x04 : 0) | (state.paperOut ? 0x20 : 0) | (state.error ? 0x40 : 0);
    return 0x12 | (state.paperNearEnd || state.paperOut ? 0x0c : 0) | (state.paperOut ? 0x60 : 0);
  };

  const answer = (n: number): void => {
    asked.push(n);
    if (state.silent) return;
    const byte = reply(n);
    const send = () => void link.write(Buffer.from([byte])).catch(() => undefined);
    if (state.delayMs > 0) setTimeout(send, state.delayMs);
    else send();
  };

  link.on('data', (chunk: Buffer) => {
    pending.push(...chunk);
    let i = 0;
    while (i < pending.length) {
      if (pending[i] === 0x10) {
        if (i + 3 > pending.length) break; // wait for the rest of a possible DLE EOT n
        if (pending[i + 1] === 0x04 && [1, 2, 4].includes(pending[i + 2] as number)) {
          answer(pending[i + 2] as number);
          i += 3;
          continue;
        }
      }
      printed.push(pending[i] as number);
      i++;
      if (state.paperOutAfterBytes !== undefined && printed.length >= state.paperOutAfterBytes) {
        state.paperOut = true;
      }
    }
    pending = pending.slice(i);
  });
  return { state, printed, asked };
}
