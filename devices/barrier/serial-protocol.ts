import type { BarrierState } from '../events.ts';

/** One line from the serial barrier (datasheet section 4). */
export type BarrierLine =
  | { kind: 'ok' }
  | { kind: 'err'; reason: string }
  | { kind: 'status'; state: Exclude<BarrierState, 'unknown'>; loop: boolean }
  | { kind: 'unknown'; text: string };

const STATUS = /^ST (OPEN|CLOSED|OPENING|CLOSING|FAULT) LOOP=([01])$/;

export function parseBarrierLine(text: string): BarrierLine {
  const line = text.trim();
  if (line === 'OK') return { kind: 'ok' };
  if (line === 'ERR' || line.startsWith('ERR '))
    return { kind: 'err', reason: line.slice(4).trim() || 'unspecified' };
  const m = STATUS.exec(line);
  if (m) {
    return {
      kind: 'status',
      state: (m[1] as string).toLowerCase() as Exclude<BarrierState, 'unknown'>,
      loop: m[2] === '1',
    };
  }
  return { kind: 'unknown', text: line };
}

/** A command as sent on the wire. */
export function commandBytes(command: 'OPEN' | 'CLOSE' | 'STATUS'): Buffer {
  return Buffer.from(`${command}\r`, 'latin1');
}
