import type { TimerHandle } from '../../core/clock.ts';
import type { BarrierLine } from './serial-protocol.ts';

export type Drive = 'OPEN' | 'CLOSE';
export type StatusLine = BarrierLine & { kind: 'status' };

/** An OPEN or CLOSE on the wire whose OK/ERR has not come. */
export interface SentDrive {
  command: Drive;
  /** Order on the wire, shared with STATUS: the barrier answers in this order. */
  seq: number;
  timer: TimerHandle | undefined;
  /** An ST line showed what it asked for: it took effect, whatever its reply. */
  effected: boolean;
  /** Its reply timeout passed. */
  overdue: boolean;
  /**
   * An ST line showed a later command done: the barrier read this one first, so whatever it
   * did is over. Its reply is still awaited (replies come in order) but it holds nothing back.
   */
  superseded: boolean;
  /**
   * Its OK came: the barrier accepted it, and its ST lines follow (the arm leaves its limit some
   * ms later). Until they do, an ST line of the state from before is held back.
   */
  accepted: boolean;
}

/** A STATUS on the wire awaiting its ST line. */
export interface StatusAsk {
  seq: number;
  timer: TimerHandle | undefined;
}

/** Whether a status line shows what `command` asked for (OPENING/OPEN after OPEN; CLOSING/CLOSED after CLOSE). */
export function shows(st: StatusLine, command: Drive): boolean {
  return command === 'OPEN'
    ? st.state === 'opening' || st.state === 'open'
    : st.state === 'closing' || st.state === 'closed';
}

/**
 * The serial barrier's bookkeeping of what is on the wire (pure, no I/O, no timers of its own):
 * OPEN/CLOSE awaiting their reply in order, the one STATUS awaiting its ST line, and the
 * barrier's last report. It answers two questions for the driver: which command does this
 * OK/ERR answer, and may this ST line move the arm (or did it cross a command on the wire)?
 */
export class SerialLedger {
  private seq = 0;
  private drives: SentDrive[] = [];
  statusAsk: StatusAsk | undefined;
  /** A STATUS that timed out: an ST line with no STATUS outstanding is its late answer. */
  overdueStatusSeq: number | undefined;
  /** A STATUS was wanted while one was outstanding. */
  statusAgain = false;
  /** The barrier's last ST line: its truth, applied or held back. */
  lastReport: StatusLine | undefined;

  sent(command: Drive): SentDrive {
    const s: SentDrive = {
      command,
      seq: ++this.seq,
      timer: undefined,
      effected: false,
      overdue: false,
      superseded: false,
      accepted: false,
    };
    this.drives.push(s);
    return s;
  }

  askStatus(): StatusAsk {
    this.statusAsk = { seq: ++this.seq, timer: undefined };
    return this.statusAsk;
  }

  drop(s: SentDrive): void {
    this.drives = this.drives.filter((d) => d !== s);
  }

  has(s: SentDrive): boolean {
    return this.drives.includes(s);
  }

  /** Commands that got no reply in time and whose effect (or a later command's) no ST line has shown yet. */
  doubtful(): SentDrive[] {
    return this.drives.filter((d) => d.overdue && !d.accepted && !d.effected && !d.superseded);
  }

  /**
   * The command an OK/ERR answers: the oldest one awaiting a reply (replies come in order);
   * `ERR LOOP` can only refuse a CLOSE.
   */
  answeredBy(line: BarrierLine & { kind: 'ok' | 'err' }): SentDrive | undefined {
    const waiting = this.drives.filter((d) => !d.accepted);
    if (line.kind === 'err' && line.reason === 'LOOP')
      return waiting.find((d) => d.command === 'CLOSE') ?? waiting[0];
    return waiting[0];
  }

  /**
   * Whether `st` may set the arm. The newest command not yet shown done decides: a line showing
   * what it asked for marks it done (the barrier acted on it) and every command before it
   * superseded (the barrier read them first: their effect is over, whatever their replies say);
   * a line showing anything else is from before the barrier read it, and is held back (its
   * loop and FAULT still count).
   */
  mayApply(st: StatusLine): boolean {
    const newest = this.drives.filter((d) => !d.effected && !d.superseded).at(-1);
    if (!newest) return true;
    if (!shows(st, newest.command)) return false;
    newest.effected = true;
    for (const d of this.drives) if (d.seq < newest.seq && !d.effected) d.superseded = true;
    // One answered (OK) or past its reply timeout is decided now: no reply is awaited for it any more.
    for (const d of this.drives.filter((x) => (x.overdue || x.accepted) && (x.effected || x.superseded)))
      this.drop(d);
    return true;
  }

  /** Forgets everything on the wire (port down, stop); returns the timers to clear. */
  clear(): (TimerHandle | undefined)[] {
    const timers = [...this.drives.map((d) => d.timer), this.statusAsk?.timer];
    this.drives = [];
    this.statusAsk = undefined;
    this.overdueStatusSeq = undefined;
    this.statusAgain = false;
    this.lastReport = undefined;
    return timers;
  }
}
