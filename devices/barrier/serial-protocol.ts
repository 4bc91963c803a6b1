import type { BarrierState } from '../events.ts';

/**
 * One line from the serial barrier (datasheet section 4). A status line's `inputs` are its
 * fields by name, `LOOP` and any extension fields (`PE1=1`, docs/devices.md "Extended ST line").
 */
export type BarrierLine =
  | { kind: 'ok' }
  | { kind: 'err'; reason: string }
  | {
      kind: 'status';
      state: Exclude<BarrierState, 'unknown'>;
      loop: boolean;
      inputs: Readonly<Record<string, boolean>>;
    }
  | { kind: 'unknown'; text: string };

/**
 * `ST <state> LOOP=<0|1>` exactly as the datasheet has it, then up to 6 extension fields
 * ` <NAME>=<0|1>` (NAME upper case, up to 4 characters), each named once.
 */
const STATUS = /^ST (OPEN|CLOSED|OPENING|CLOSING|FAULT) LOOP=([01])((?: [A-Z][A-Z0-9]{0,3}=[01]){0,6})$/;

export function parseBarrierLine(text: string): BarrierLine {
  const line = text.trim();
  if (line === 'OK') return { kind: 'ok' };
  if (line === 'ERR' || line.startsWith('ERR '))
    return { kind: 'err', reason: line.slice(4).trim() || 'unspecified' };
  const m = STATUS.exec(line);
  if (m) {
    const inputs: Record<string, boolean> = { LOOP: m[2] === '1' };
    for (const field of (m[3] ?? '').split(' ').filter((f) => f.length > 0)) {
      const [name = '', level] = field.split('=');
      if (name in inputs) return { kind: 'unknown', text: line }; // a field twice: not a status line
      inputs[name] = level === '1';
    }
    return {
      kind: 'status',
      state: (m[1] as string).toLowerCase() as Exclude<BarrierState, 'unknown'>,
      loop: m[2] === '1',
      inputs,
    };
  }
  return { kind: 'unknown', text: line };
}

/** A command as sent on the wire. */
export function commandBytes(command: 'OPEN' | 'CLOSE' | 'STATUS'): Buffer {
  return Buffer.from(`${command}\r`, 'latin1');
}
