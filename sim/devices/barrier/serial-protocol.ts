import type { ArmState } from './arm.ts';

/** The serial barrier's ASCII protocol, datasheet section 4: pure parsing and formatting. */
export type BarrierCommand = 'OPEN' | 'CLOSE' | 'STATUS';
export type ProtocolState = 'OPEN' | 'CLOSED' | 'OPENING' | 'CLOSING' | 'FAULT';

/** Longest command line the barrier buffers; a longer one is discarded up to its CR. */
export const MAX_COMMAND_BYTES = 32;

const CR = 0x0d;
const LF = 0x0a;

export function parseCommand(line: string): BarrierCommand | undefined {
  const cmd = line.trim();
  return cmd === 'OPEN' || cmd === 'CLOSE' || cmd === 'STATUS' ? cmd : undefined;
}

export function protocolState(arm: ArmState, jammed: boolean): ProtocolState {
  if (jammed) return 'FAULT';
  switch (arm) {
    case 'open':
      return 'OPEN';
    case 'closed':
      return 'CLOSED';
    case 'opening':
      return 'OPENING';
    case 'closing':
      return 'CLOSING';
    default:
      return 'FAULT';
  }
}

/**
 * `ST <state> LOOP=<0|1>`, then the extension fields of a barrier with more inputs
 * (` PE1=1`, docs/devices.md "Extended ST line"), in order.
 */
export function statusLine(
  state: ProtocolState,
  loopOccupied: boolean,
  fields: readonly (readonly [string, boolean])[] = [],
): string {
  const extra = fields.map(([name, high]) => ` ${name}=${high ? 1 : 0}`).join('');
  return `ST ${state} LOOP=${loopOccupied ? 1 : 0}${extra}\r`;
}

/** One received line: its text, or `overflow` for a line longer than MAX_COMMAND_BYTES. */
export type ReceivedLine = { text: string } | { overflow: true };

/**
 * Splits received bytes into CR-terminated lines, with a hard cap. LF is ignored (a host
 * sending CRLF still works); an empty line is skipped.
 */
export class CrLineSplitter {
  private buf: number[] = [];
  private overflow = false;

  push(bytes: Uint8Array): ReceivedLine[] {
    const out: ReceivedLine[] = [];
    for (const b of bytes) {
      if (b === LF) continue;
      if (b === CR) {
        if (this.overflow) out.push({ overflow: true });
        else if (this.buf.length > 0) out.push({ text: Buffer.from(this.buf).toString('latin1') });
        this.buf = [];
        this.overflow = false;
        continue;
      }
      if (this.overflow) continue;
      if (this.buf.length >= MAX_COMMAND_BYTES) {
        this.overflow = true;
        this.buf = [];
        continue;
      }
      this.buf.push(b);
    }
    return out;
  }

  reset(): void {
    this.buf = [];
    this.overflow = false;
  }
}
