import type { Clock, TimerHandle } from '../../core/clock.ts';
import { ErrorCode, errorMessage } from '../../core/errors.ts';
import { hex, type Logger } from '../../core/logger.ts';
import { HEALTH_RULES, type HealthSample, type HealthState } from '../health.ts';
import type { SerialOpener } from '../serial/link.ts';
import { type SerialCounters, SerialTransport } from '../serial/transport.ts';
import { type WireClock, wireClockFor } from '../serial/wire-clock.ts';
import { BarrierBase } from './base.ts';
import type { SerialBarrierConfig } from './config.ts';
import { serialDetectors } from './detectors.ts';
import { LineFramer } from './line-framer.ts';
import type { Relay } from './safety-machine.ts';
import { SerialDetectorLevels } from './serial-detector-levels.ts';
import { type Drive, type SentDrive, SerialLedger, type StatusLine, shows } from './serial-ledger.ts';
import { type BarrierLine, commandBytes, parseBarrierLine } from './serial-protocol.ts';

export interface SerialBarrierOptions {
  config: SerialBarrierConfig;
  opener: SerialOpener;
  clock: Clock;
  log: Logger;
  /** Real time for the reply timeout and the STATUS interval (default: wireClockFor(clock)). */
  wire?: WireClock;
  reconnect?: { initialMs: number; maxMs: number };
}

/**
 * The serial boom barrier (datasheet section 4). The same safety machine as the GPIO barrier
 * runs here: "energise open" becomes `OPEN`, "energise close" becomes `CLOSE`, and the `ST`
 * lines stand in for the limit switches and the loop.
 *
 * The barrier's `ST` lines are the truth about its arm whenever they come; `OK`/`ERR` only say
 * whether a command was accepted (docs/devices.md, "Serial barrier: state rules"):
 * - an `ST` line showing what a command asked for (OPENING/OPEN after OPEN, CLOSING/CLOSED after
 *   CLOSE) means it took effect, even if its `OK` is lost or late;
 * - an `ST` line that shows the state from before a command not yet shown done is held back for
 *   the arm (it crossed the command on the wire, or came between its `OK` and the arm leaving
 *   its limit) but its loop and FAULT count at once; an `OK` with no `ST` line after it in
 *   `replyTimeoutMs` leaves the arm where the barrier last said;
 * - `ERR` means refused: the arm is what the barrier last reported;
 * - a command with no reply in `replyTimeoutMs` is decided by the answer to a STATUS sent after
 *   it; if that does not come either, the command failed and the arm's state is unknown (so a
 *   close asked then is always sent).
 * An OPEN or a CLOSE goes on the wire at once, never behind a STATUS. At most one STATUS is
 * outstanding. Wire timings (reply timeout, STATUS interval) run on the wire clock: real time
 * at any clock scale.
 */
export function createSerialBarrierDriver(options: SerialBarrierOptions): SerialBarrier {
  return new SerialBarrier(options);
}

/** How soon a barrier that did not answer STATUS is asked again. */
const SILENT_STATUS_RETRY_MS = 1000;
/** How soon a barrier that answered while offline is asked again (it needs 2 answers in a row to be back). */
const RECOVERY_STATUS_MS = 250;

export class SerialBarrier extends BarrierBase {
  private readonly transport: SerialTransport;
  private readonly framer = new LineFramer(64);
  private readonly wire: WireClock;
  private readonly ledger = new SerialLedger();
  private readonly detectorLevels: SerialDetectorLevels;
  private statusTimer: TimerHandle | undefined;
  private running = false;
  private offs: (() => void)[] = [];

  constructor(private readonly options: SerialBarrierOptions) {
    const { config, clock } = options;
    const wire = options.wire ?? wireClockFor(clock);
    const detectors = serialDetectors(config);
    super(
      clock,
      options.log.child({ device: 'barrier', kind: 'serial', path: config.port.path }),
      {
        // A serial barrier takes commands, not pulses: the "pulse" only bounds the relay state.
        pulseMs: 1,
        travelTimeoutMs: config.travelTimeoutMs,
        autoCloseAfterClearMs: config.autoCloseAfterClearMs,
        closeIfNoVehicleMs: config.closeIfNoVehicleMs,
        trailerGapMs: config.trailerGapMs,
        stuckAfterMs: config.stuckAfterMs,
      },
      { rule: HEALTH_RULES.serialBarrier, wire },
      detectors,
    );
    this.detectorLevels = new SerialDetectorLevels(detectors, this.log);
    this.wire = wire;
    this.transport = new SerialTransport({
      settings: config.port,
      opener: options.opener,
      clock,
      log: this.log,
      ...(options.reconnect ? { reconnect: options.reconnect } : {}),
    });
  }

  counters(): SerialCounters {
    return { ...this.transport.counters };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.offs = [
      this.transport.on('data', ({ chunk }) => this.receive(chunk)),
      this.transport.on('up', () => {
        this.framer.reset();
        this.status();
      }),
      this.transport.on('down', ({ reason }) => {
        this.framer.reset();
        for (const t of this.ledger.clear()) this.wire.clearTimeout(t);
        this.runner.feed({ type: 'offline', reason: `port down: ${reason}` });
        this.healthCell.lost(`port down: ${reason}`);
      }),
    ];
    this.transport.start();
    this.scheduleStatus();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wire.clearTimeout(this.statusTimer);
    for (const t of this.ledger.clear()) this.wire.clearTimeout(t);
    this.runner.feed({ type: 'stop' });
    this.runner.dispose();
    await this.transport.stop();
    this.healthCell.dispose();
    for (const off of this.offs) off();
    this.offs = [];
  }

  /** A barrier gone silent: where its arm is is not known until it reports again. */
  protected override healthChanged(state: HealthState, reason: string): void {
    if (state === 'offline' && this.runner.state.started && this.running)
      this.runner.feed({ type: 'offline', reason: `barrier offline: ${reason}` });
  }

  protected relay(relay: Relay, on: boolean): void {
    if (on) this.drive(relay === 'open' ? 'OPEN' : 'CLOSE');
  }

  private get replyTimeoutMs(): number {
    return this.options.config.replyTimeoutMs;
  }

  /** Writes OPEN or CLOSE now; its reply, its ST lines or a STATUS after it decide the outcome. */
  private drive(command: Drive): void {
    if (!this.transport.isUp) {
      this.failDrive(command, 'offline', 'port not open');
      return;
    }
    const sent = this.ledger.sent(command);
    sent.timer = this.wire.setTimeout(() => this.driveTimedOut(sent), this.replyTimeoutMs);
    this.transport.write(commandBytes(command)).catch((err: unknown) => {
      this.wire.clearTimeout(sent.timer);
      this.ledger.drop(sent);
      this.failDrive(command, 'offline', errorMessage(err));
    });
  }

  private driveTimedOut(sent: SentDrive): void {
    sent.timer = undefined;
    sent.overdue = true;
    this.transport.countError();
    if (sent.effected) {
      // Its ST lines came, its OK did not: it took effect; a reply still to come matches nothing.
      this.ledger.drop(sent);
      this.log.warn(
        { command: sent.command },
        `no reply to ${sent.command}; the barrier reports it took effect`,
      );
      this.note('poor', `no reply to ${sent.command}, but its ST lines came`);
      return;
    }
    if (sent.superseded) {
      // A later command's ST lines came: this one is over, whatever it did.
      this.ledger.drop(sent);
      this.log.warn({ command: sent.command }, `no reply to ${sent.command}; a later command took effect`);
      this.note('poor', `no reply to ${sent.command}, but a later command's ST lines came`);
      return;
    }
    this.note('silent', `no reply to ${sent.command} in ${this.replyTimeoutMs} ms`);
    this.status(); // the answer to a STATUS sent after it decides
  }

  private failDrive(
    command: Drive,
    failure: 'offline' | 'no-reply' | 'refused' | 'unsafe',
    reason: string,
  ): void {
    this.runner.feed({
      type: 'actuator-failed',
      relay: command === 'OPEN' ? 'open' : 'close',
      failure,
      reason,
    });
  }

  /** The next periodic STATUS in `delayMs` (the status interval by default), replacing one already due. */
  private scheduleStatus(delayMs = this.options.config.statusIntervalMs): void {
    if (!this.running) return;
    this.wire.clearTimeout(this.statusTimer);
    this.statusTimer = this.wire.setTimeout(() => {
      this.statusTimer = undefined;
      this.status();
      this.scheduleStatus();
    }, delayMs);
  }

  /** Asks STATUS now, unless one is outstanding (then asks again once it is answered, if needed). */
  private status(): void {
    if (!this.transport.isUp) return;
    if (this.ledger.statusAsk) {
      this.ledger.statusAgain = true;
      return;
    }
    const ask = this.ledger.askStatus();
    ask.timer = this.wire.setTimeout(() => this.statusTimedOut(ask.seq), this.replyTimeoutMs);
    this.transport.write(commandBytes('STATUS')).catch((err: unknown) => {
      this.log.debug({ err: errorMessage(err) }, 'STATUS not written');
    });
  }

  private statusTimedOut(seq: number): void {
    const ask = this.ledger.statusAsk;
    if (!ask || ask.seq !== seq) return;
    this.ledger.statusAsk = undefined;
    this.ledger.overdueStatusSeq = seq;
    this.transport.countError();
    const message = `no reply to STATUS in ${this.replyTimeoutMs} ms`;
    // Reported while the barrier is thought well; after that only counted (no record per retry).
    if (this.healthCell.state === 'online') this.error(ErrorCode.BarrierNoReply, 'no-reply', message);
    this.note('silent', message);
    this.decideDoubts(undefined, seq);
    if (!this.running) return;
    if (this.ledger.statusAgain && this.ledger.doubtful().length > 0) this.status();
    // A silent barrier (powering up, say) is asked again soon, not at the next interval.
    else this.scheduleStatus(Math.min(this.options.config.statusIntervalMs, SILENT_STATUS_RETRY_MS));
    this.ledger.statusAgain = false;
  }

  /**
   * Commands that got no reply in time, sent before the STATUS (`seq`) now answered by `st`, or
   * not answered (`undefined`): the barrier answers in order, so their outcome is now known.
   */
  private decideDoubts(st: StatusLine | undefined, seq: number): void {
    for (const sent of this.ledger.doubtful().filter((s) => s.seq < seq)) {
      this.ledger.drop(sent);
      if (st && shows(st, sent.command)) {
        this.log.warn(
          { command: sent.command },
          `no reply to ${sent.command}; the barrier's status shows it took effect`,
        );
        continue;
      }
      const reason = st
        ? `no reply to ${sent.command}, and the barrier reports ${st.state.toUpperCase()}`
        : `no reply to ${sent.command} nor to STATUS`;
      this.error(ErrorCode.BarrierNoReply, 'no-reply', reason);
      this.failDrive(sent.command, 'no-reply', reason);
      if (st) this.applyLimits(st); // held back while the command was in doubt
      // Not known where the arm is: unknown until the barrier reports (a close is then always sent).
      if (!st) this.runner.feed({ type: 'offline', reason: `${reason}: the arm's state is unknown` });
    }
  }

  /** The read loop's body: nothing thrown here may escape. */
  private receive(chunk: Buffer): void {
    try {
      for (const out of this.framer.push(chunk)) {
        if (out.kind === 'bad') {
          this.transport.countDiscarded(out.bytes);
          this.transport.countError();
          this.log.warn({ bytes: out.bytes, head: hex(out.head) }, 'bad line from the barrier');
          this.note('noise', 'bad line from the barrier');
          continue;
        }
        this.transport.countFrame();
        this.line(parseBarrierLine(out.text));
      }
    } catch (err) {
      this.framer.reset();
      this.transport.countError();
      this.log.error({ err: errorMessage(err), bytes: hex(chunk) }, 'barrier input failed; dropped');
    }
  }

  private line(line: BarrierLine): void {
    switch (line.kind) {
      case 'ok':
      case 'err':
        this.reply(line);
        return;
      case 'status':
        this.statusLine(line);
        return;
      case 'unknown':
        this.transport.countError();
        this.log.warn({ line: line.text.slice(0, 32) }, 'unknown line from the barrier');
        this.note('noise', 'unknown line from the barrier');
        return;
    }
  }

  private reply(line: BarrierLine & { kind: 'ok' | 'err' }): void {
    const sent = this.ledger.answeredBy(line);
    if (!sent) {
      this.transport.countError();
      this.log.warn({ reply: line.kind }, 'reply from the barrier with no command outstanding');
      // Its CLOSE's reply slot was taken by a late reply: the refusal still stands.
      if (line.kind === 'err' && line.reason === 'LOOP') this.failDrive('CLOSE', 'unsafe', 'ERR LOOP');
      return;
    }
    this.wire.clearTimeout(sent.timer);
    sent.timer = undefined;
    this.note(sent.overdue ? 'poor' : 'good', `${line.kind.toUpperCase()} to ${sent.command}`);
    const last = this.ledger.lastReport;
    if (line.kind === 'ok') {
      if (sent.effected || sent.superseded) {
        this.ledger.drop(sent);
        return;
      }
      // Accepted: its ST lines follow, and a report of the state from before is held back until
      // they do. A report that already shows it (OPEN to an open arm) is the answer.
      sent.accepted = true;
      if (last && shows(last, sent.command)) this.applyLimits(last);
      if (this.ledger.has(sent))
        sent.timer = this.wire.setTimeout(() => this.acceptedWithoutMove(sent), this.replyTimeoutMs);
      return;
    }
    this.ledger.drop(sent);
    if (sent.effected || sent.superseded) {
      this.log.warn(
        { command: sent.command, reason: line.reason },
        sent.effected
          ? 'ERR to a command its ST lines showed done'
          : 'ERR to a command a later one superseded',
      );
      return;
    }
    this.failDrive(sent.command, line.reason === 'LOOP' ? 'unsafe' : 'refused', `ERR ${line.reason}`);
    // Refused: the arm is where the barrier last said it was.
    if (last) this.applyLimits(last);
  }

  /** Accepted, but no ST line showed it in time: the arm is where the barrier last said; STATUS confirms. */
  private acceptedWithoutMove(sent: SentDrive): void {
    sent.timer = undefined;
    if (!this.ledger.has(sent)) return;
    this.ledger.drop(sent);
    if (sent.effected || sent.superseded) return;
    this.log.warn({ command: sent.command }, `${sent.command} accepted, but no ST line showed it in time`);
    this.note('poor', `${sent.command} accepted, no ST line showed it`);
    const last = this.ledger.lastReport;
    if (last) this.applyLimits(last);
    this.status();
  }

  private statusLine(st: StatusLine): void {
    const ask = this.ledger.statusAsk;
    let answered: number | undefined;
    if (ask) {
      this.wire.clearTimeout(ask.timer);
      this.ledger.statusAsk = undefined;
      answered = ask.seq;
      this.note('good', 'barrier answering');
      if (this.healthCell.state === 'offline') this.scheduleStatus(RECOVERY_STATUS_MS);
    } else if (this.ledger.overdueStatusSeq !== undefined) {
      answered = this.ledger.overdueStatusSeq;
      this.note('poor', 'late answer to STATUS');
    }
    this.ledger.overdueStatusSeq = undefined;
    this.applyStatus(st);
    if (answered !== undefined) {
      this.decideDoubts(st, answered);
      if (this.ledger.statusAgain && this.ledger.doubtful().length > 0) this.status();
      this.ledger.statusAgain = false;
    }
  }

  private applyStatus(st: StatusLine): void {
    this.ledger.lastReport = st;
    const limitOpen = st.state === 'open';
    const limitClosed = st.state === 'closed';
    const detectors = this.detectorLevels.read(st);
    if (!this.runner.state.started) {
      const loop = detectors.some((d) => d.role === 'presence' && d.high);
      this.runner.feed({ type: 'start', limitOpen, limitClosed, loop, detectors });
    } else {
      // The detectors first: a vehicle under a closing arm must re-open it before anything else.
      for (const d of detectors) this.runner.feed({ type: 'detector', ...d });
      this.applyLimits(st);
    }
    if (st.state === 'fault') this.runner.feed({ type: 'device-fault', reason: 'ST FAULT' });
  }

  /** The arm as the barrier reports it, unless the report is from before a command still unanswered. */
  private applyLimits(st: StatusLine): void {
    if (st.state === 'fault' || !this.ledger.mayApply(st)) return;
    const moving = st.state === 'opening' || st.state === 'closing' ? st.state : undefined;
    this.runner.feed({
      type: 'limits',
      limitOpen: st.state === 'open',
      limitClosed: st.state === 'closed',
      ...(moving ? { moving } : {}),
    });
  }

  private note(sample: HealthSample, reason: string): void {
    this.healthCell.sample(sample, reason);
  }
}
