import type { Clock, TimerHandle } from '../../core/clock.ts';
import { ErrorCode, errorMessage } from '../../core/errors.ts';
import { hex, type Logger } from '../../core/logger.ts';
import type { SerialOpener } from '../serial/link.ts';
import { type SerialCounters, SerialTransport } from '../serial/transport.ts';
import { BarrierBase } from './base.ts';
import type { SerialBarrierConfig } from './config.ts';
import { LineFramer } from './line-framer.ts';
import type { Relay } from './safety-machine.ts';
import { type BarrierLine, commandBytes, parseBarrierLine } from './serial-protocol.ts';

export interface SerialBarrierOptions {
  config: SerialBarrierConfig;
  opener: SerialOpener;
  clock: Clock;
  log: Logger;
  reconnect?: { initialMs: number; maxMs: number };
}

type Command = 'OPEN' | 'CLOSE' | 'STATUS';
type Reply = BarrierLine | { kind: 'timeout' } | { kind: 'port'; reason: string };

interface Outstanding {
  command: Command;
  timer: TimerHandle | undefined;
  resolve: (reply: Reply) => void;
  answered: boolean;
}

/**
 * The serial boom barrier (datasheet section 4). The same safety machine as the GPIO barrier
 * runs here: "energise open" becomes `OPEN`, "energise close" becomes `CLOSE`, and the `ST`
 * lines stand in for the limit switches and the loop.
 *
 * `OK`/`ERR` answer OPEN and CLOSE in order, an `ST` line answers STATUS, and `ST` lines also
 * come unsolicited on every change: the two kinds of reply cannot be confused, so an OPEN or a
 * CLOSE goes on the wire at once, never behind a STATUS awaiting its `ST` line (a status line
 * is 17 bytes, 18 ms at 9600 baud, that a truck would otherwise wait). Replies to OPEN and
 * CLOSE are matched in order; at most one STATUS is outstanding (a periodic STATUS due while
 * one is unanswered is skipped), and any `ST` line answers it.
 */
export function createSerialBarrierDriver(options: SerialBarrierOptions): SerialBarrier {
  return new SerialBarrier(options);
}

/** How soon a barrier that did not answer STATUS is asked again. */
export const SILENT_STATUS_RETRY_MS = 1000;

export class SerialBarrier extends BarrierBase {
  private readonly transport: SerialTransport;
  private readonly framer = new LineFramer(64);
  /** OPEN and CLOSE sent and not yet answered, oldest first. */
  private readonly actions: Outstanding[] = [];
  /** The STATUS sent and not yet answered. */
  private statusAsk: Outstanding | undefined;
  private statusTimer: TimerHandle | undefined;
  private running = false;
  private offs: (() => void)[] = [];

  constructor(private readonly options: SerialBarrierOptions) {
    const { config, clock } = options;
    super(clock, options.log.child({ device: 'barrier', kind: 'serial', path: config.port.path }), {
      // A serial barrier takes commands, not pulses: the "pulse" only bounds the relay state.
      pulseMs: 1,
      travelTimeoutMs: config.travelTimeoutMs,
      autoCloseAfterClearMs: config.autoCloseAfterClearMs,
      closeIfNoVehicleMs: config.closeIfNoVehicleMs,
    });
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
        void this.status();
      }),
      this.transport.on('down', ({ reason }) => {
        this.framer.reset();
        this.settleAll({ kind: 'port', reason });
        this.runner.feed({ type: 'offline', reason: `port down: ${reason}` });
        this.healthCell.set('offline', `port down: ${reason}`);
      }),
    ];
    this.transport.start();
    this.scheduleStatus();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.clock.clearTimeout(this.statusTimer);
    this.runner.feed({ type: 'stop' });
    this.runner.dispose();
    await this.transport.stop();
    for (const off of this.offs) off();
    this.offs = [];
  }

  protected relay(relay: Relay, on: boolean): void {
    if (!on) return; // commands, not relays: nothing to release
    const command = relay === 'open' ? 'OPEN' : 'CLOSE';
    void this.send(command).then((reply) => {
      if (reply.kind === 'ok') return;
      const { failure, reason } =
        reply.kind === 'err'
          ? {
              failure: reply.reason === 'LOOP' ? ('unsafe' as const) : ('refused' as const),
              reason: `ERR ${reply.reason}`,
            }
          : reply.kind === 'timeout'
            ? {
                failure: 'no-reply' as const,
                reason: `no reply to ${command} in ${this.options.config.replyTimeoutMs} ms`,
              }
            : reply.kind === 'port'
              ? { failure: 'offline' as const, reason: reply.reason }
              : { failure: 'refused' as const, reason: `unexpected reply to ${command}` };
      this.runner.feed({ type: 'actuator-failed', relay, failure, reason });
    });
  }

  /** The next STATUS in `delayMs` (the status interval by default), replacing one already due. */
  private scheduleStatus(delayMs = this.options.config.statusIntervalMs): void {
    if (!this.running) return;
    this.clock.clearTimeout(this.statusTimer);
    this.statusTimer = this.clock.setTimeout(() => {
      this.statusTimer = undefined;
      if (this.transport.isUp) void this.status();
      this.scheduleStatus();
    }, delayMs);
  }

  private async status(): Promise<void> {
    if (this.statusAsk) return; // one STATUS at a time: its answer is still due
    const reply = await this.send('STATUS');
    if (reply.kind === 'timeout') {
      this.healthCell.set('offline', `no reply to STATUS in ${this.options.config.replyTimeoutMs} ms`);
      // A silent barrier (powering up, say) is asked again soon, not at the next interval: the
      // lane is back in automatic within about a second of its first answer.
      if (this.running)
        this.scheduleStatus(Math.min(this.options.config.statusIntervalMs, SILENT_STATUS_RETRY_MS));
    }
  }

  /** Writes a command now; resolves with its reply, a timeout, or the port's failure. */
  private async send(command: Command): Promise<Reply> {
    if (!this.transport.isUp) return { kind: 'port', reason: 'port not open' };
    let outstanding!: Outstanding;
    const reply = new Promise<Reply>((resolve) => {
      outstanding = { command, timer: undefined, resolve, answered: false };
    });
    if (command === 'STATUS') this.statusAsk = outstanding;
    else this.actions.push(outstanding);
    outstanding.timer = this.clock.setTimeout(() => {
      outstanding.timer = undefined;
      this.transport.countError();
      this.error(
        ErrorCode.BarrierNoReply,
        'no-reply',
        `no reply to ${command} in ${this.options.config.replyTimeoutMs} ms`,
      );
      this.settle(outstanding, { kind: 'timeout' });
    }, this.options.config.replyTimeoutMs);
    try {
      await this.transport.write(commandBytes(command));
    } catch (err) {
      this.settle(outstanding, { kind: 'port', reason: errorMessage(err) });
    }
    return reply;
  }

  /** Answers one outstanding command (once: a late reply after its timeout finds it gone). */
  private settle(o: Outstanding, reply: Reply): void {
    if (o.answered) return;
    o.answered = true;
    if (this.statusAsk === o) this.statusAsk = undefined;
    const i = this.actions.indexOf(o);
    if (i >= 0) this.actions.splice(i, 1);
    this.clock.clearTimeout(o.timer);
    o.resolve(reply);
  }

  private settleAll(reply: Reply): void {
    for (const o of [...this.actions, ...(this.statusAsk ? [this.statusAsk] : [])]) this.settle(o, reply);
  }

  /** The read loop's body: nothing thrown here may escape. */
  private receive(chunk: Buffer): void {
    try {
      for (const out of this.framer.push(chunk)) {
        if (out.kind === 'bad') {
          this.transport.countDiscarded(out.bytes);
          this.transport.countError();
          this.log.warn({ bytes: out.bytes, head: hex(out.head) }, 'bad line from the barrier');
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
      case 'err': {
        const o = this.actions[0];
        if (o) this.settle(o, line);
        else this.log.warn({ reply: line.kind }, 'reply from the barrier with no command outstanding');
        return;
      }
      case 'status':
        // Lines before the OK of an OPEN/CLOSE tell the state from before that command: their
        // limits would look like "the arm went the other way". Their loop and FAULT still count.
        this.applyStatus(line, this.actions.length > 0);
        if (this.statusAsk) this.settle(this.statusAsk, line);
        return;
      case 'unknown':
        this.transport.countError();
        this.log.warn({ line: line.text.slice(0, 32) }, 'unknown line from the barrier');
        return;
    }
  }

  private applyStatus(st: BarrierLine & { kind: 'status' }, beforeReply: boolean): void {
    const limitOpen = st.state === 'open';
    const limitClosed = st.state === 'closed';
    if (!this.runner.state.started) {
      this.runner.feed({ type: 'start', limitOpen, limitClosed, loop: st.loop });
    } else {
      // The loop first: a vehicle under a closing arm must re-open it before anything else.
      this.runner.feed({ type: 'loop', high: st.loop });
      if (st.state !== 'fault' && !beforeReply) {
        const moving = st.state === 'opening' || st.state === 'closing' ? st.state : undefined;
        this.runner.feed({ type: 'limits', limitOpen, limitClosed, ...(moving ? { moving } : {}) });
      }
    }
    if (st.state === 'fault') this.runner.feed({ type: 'device-fault', reason: 'ST FAULT' });
    if (this.healthCell.state === 'offline' || st.state !== 'fault') {
      this.healthCell.set(this.state === 'fault' ? 'degraded' : 'online', 'barrier answering');
    }
  }
}
