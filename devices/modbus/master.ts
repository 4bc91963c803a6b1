import type { Clock } from '../../core/clock.ts';
import { ErrorCode, errorMessage, GatepostError } from '../../core/errors.ts';
import { hex, type Logger } from '../../core/logger.ts';
import { PatientTimer } from '../patient-timer.ts';
import type { SerialTransport } from '../serial/transport.ts';
import { type WireClock, wireClockFor } from '../serial/wire-clock.ts';
import {
  decodeReadResponse,
  exceptionName,
  FC_READ_INPUT_REGISTERS,
  readRequest,
  readResponseLength,
} from './pdu.ts';
import { findAnyFrame, MAX_RTU_FRAME, RtuFramer, type RtuFramerOutput } from './rtu-framer.ts';
import { t35Ms, wireTimeMs } from './timing.ts';

export type ModbusFailureKind = 'timeout' | 'crc' | 'exception' | 'bad-frame' | 'port';

export type ModbusReadResult =
  | { ok: true; registers: number[]; at: number }
  | { ok: false; kind: ModbusFailureKind; error: GatepostError; exceptionCode?: number; at: number };

export interface ModbusStats {
  requests: number;
  responses: number;
  timeouts: number;
  crcErrors: number;
  exceptions: number;
  badFrames: number;
  portErrors: number;
  /** CRC-valid frames that answered no pending request (late answers, another master). */
  unexpectedFrames: number;
  /** Runs of discarded bytes (noise, bad CRC, partial frames), each counted, whatever was reported. */
  discardedRuns: number;
  /** Requests held back after a timeout until the line had been quiet for the guard time. */
  guardWaits: number;
}

export interface ModbusMasterOptions {
  transport: SerialTransport;
  clock: Clock;
  log: Logger;
  /**
   * Floor for the silence that ends a partial frame. On the wire it is t3.5 (4 ms at 9600
   * baud), but a host sees bytes in chunks whose timing USB adapters (latency timers of up to
   * 16 ms) and the scheduler blur, so a split frame must not be cut at t3.5 as measured here.
   */
  minSilenceMs?: number;
  /** Real time for the wire: silences, response timeouts, guard periods (default: wireClockFor(clock)). */
  wire?: WireClock;
}

interface Pending {
  address: number;
  functionCode: number;
  quantity: number;
  sawCrcError: boolean;
  /** The first bytes that came after the request, to tell a wrong answer from none at all. */
  capture: Buffer;
  captured: number;
  resolve: (r: ModbusReadResult) => void;
}

/** The longest the master waits for a quiet line before a request (a line that never goes quiet). */
const MAX_QUIET_WAIT_MS = 1000;

/**
 * A Modbus RTU master over a SerialTransport (hence over any SerialOpener, PTYs and the
 * in-process hub included). One transaction at a time, as the half-duplex bus demands; a t3.5
 * silence before every request; every failure comes back as a result, never as a throw.
 *
 * Answers are matched to their request: only a frame with the request's address, function (or
 * its exception) and byte count is its answer. After a timeout, the next request to the same
 * slave waits until the line has been quiet for the timeout (the guard): an answer that comes
 * late is drained and counted, never taken as the next poll's answer. A transaction that ends
 * without its answer is a bad frame (303) when a well-formed frame of another address, function
 * or byte count came, or any bytes that are no frame; a CRC error (301) when a candidate failed
 * its CRC; a timeout (300) only when nothing came at all. All wire times are real time
 * (devices/serial/wire-clock.ts), whatever the clock's scale.
 */
export class ModbusRtuMaster {
  readonly stats: ModbusStats = {
    requests: 0,
    responses: 0,
    timeouts: 0,
    crcErrors: 0,
    exceptions: 0,
    badFrames: 0,
    portErrors: 0,
    unexpectedFrames: 0,
    discardedRuns: 0,
    guardWaits: 0,
  };
  private readonly framer: RtuFramer;
  private readonly wire: WireClock;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Wire time of the last byte sent or received: wire silences are physical time. */
  private lastWireAt = Number.NEGATIVE_INFINITY;
  /** After a timeout: the next request to `address` waits for `quietMs` of silence from `since`. */
  private guard: { address: number; quietMs: number; since: number } | undefined;
  private wakeIdle: (() => void) | undefined;
  private readonly timeout: PatientTimer;
  private detached = false;
  private readonly unsubscribe: (() => void)[];

  constructor(private readonly options: ModbusMasterOptions) {
    const { transport } = options;
    this.wire = options.wire ?? wireClockFor(options.clock);
    this.timeout = new PatientTimer(this.wire, { graceMs: 30, retries: 2 });
    this.framer = new RtuFramer({
      silenceMs: Math.max(t35Ms(transport.settings), options.minSilenceMs ?? 20),
    });
    this.unsubscribe = [
      transport.on('data', ({ chunk }) => this.receive(chunk, this.wire.now())),
      transport.on('down', ({ reason }) => {
        this.wakeIdle?.();
        this.handle(this.framer.flush());
        this.finish(this.failure('port', ErrorCode.PortClosed, `serial port down: ${reason}`));
      }),
    ];
  }

  /** Stops listening to the transport; a transaction in progress fails. */
  detach(): void {
    for (const off of this.unsubscribe) off();
    this.detached = true;
    this.wakeIdle?.();
    this.finish(this.failure('port', ErrorCode.PortClosed, 'Modbus master detached'));
  }

  readInputRegisters(
    address: number,
    start: number,
    quantity: number,
    timeoutMs: number,
  ): Promise<ModbusReadResult> {
    return this.read(address, FC_READ_INPUT_REGISTERS, start, quantity, timeoutMs);
  }

  /** Queues a read (function 0x03 or 0x04); resolves with the registers or the failure. */
  read(
    address: number,
    functionCode: number,
    start: number,
    quantity: number,
    timeoutMs: number,
  ): Promise<ModbusReadResult> {
    const run = this.queue.then(() => this.transact(address, functionCode, start, quantity, timeoutMs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async transact(
    address: number,
    functionCode: number,
    start: number,
    quantity: number,
    timeoutMs: number,
  ): Promise<ModbusReadResult> {
    const { transport } = this.options;
    const settings = transport.settings;
    const request = readRequest(address, functionCode, start, quantity);
    await this.quietLine(address, t35Ms(settings));
    if (!transport.isUp || this.detached) {
      this.stats.portErrors++;
      return this.failure('port', ErrorCode.PortClosed, `serial port ${transport.path} is not open`, address);
    }
    this.handle(this.framer.flush());
    this.stats.requests++;
    const expectedLength = readResponseLength(quantity);
    this.framer.expect({ address, functionCode, length: expectedLength });
    const result = new Promise<ModbusReadResult>((resolve) => {
      this.pending = {
        address,
        functionCode,
        quantity,
        sawCrcError: false,
        capture: Buffer.alloc(MAX_RTU_FRAME),
        captured: 0,
        resolve,
      };
    });
    try {
      await transport.write(request);
    } catch (err) {
      this.finish(this.failure('port', ErrorCode.PortClosed, `request not sent: ${errorMessage(err)}`));
      return result;
    }
    this.lastWireAt = this.wire.now();
    const pending = this.pending;
    if (pending) {
      // The timeout runs from the end of the request on the wire and allows for the answer's own length.
      const deadline =
        wireTimeMs(request.length, settings) + timeoutMs + wireTimeMs(expectedLength, settings);
      this.timeout.start(() => {
        if (this.pending !== pending) return;
        this.handle(this.framer.flush());
        if (this.pending !== pending) return; // the flush found the answer
        this.finish(this.noAnswer(pending, timeoutMs));
      }, Math.ceil(deadline));
    }
    return result;
  }

  /**
   * What a transaction that ended without its answer was: a bad frame when a well-formed
   * frame that is no answer to it came (another address, function or byte count) or bytes
   * that are no frame at all, a CRC error when a candidate failed its CRC, a timeout only
   * when the line stayed silent. A timeout arms the guard for the next request to the slave.
   */
  private noAnswer(pending: Pending, timeoutMs: number): ModbusReadResult & { ok: false } {
    const { address, functionCode, quantity } = pending;
    const captured = pending.capture.subarray(0, pending.captured);
    const foreign = findAnyFrame(captured);
    if (foreign) {
      const decoded = decodeReadResponse(foreign, address, functionCode, quantity);
      const why = decoded.kind === 'malformed' ? decoded.why : `frame ${hex(foreign)}`;
      return this.failure('bad-frame', ErrorCode.ModbusBadFrame, `bad answer from slave ${address}: ${why}`);
    }
    if (pending.sawCrcError) {
      return this.failure('crc', ErrorCode.ModbusCrc, `bad CRC in the answer of slave ${address}`);
    }
    if (captured.length > 0) {
      return this.failure(
        'bad-frame',
        ErrorCode.ModbusBadFrame,
        `no answer from slave ${address}, only ${captured.length} bytes that are no frame`,
      );
    }
    const settings = this.options.transport.settings;
    this.guard = { address, quietMs: Math.max(timeoutMs, t35Ms(settings)), since: this.wire.now() };
    return this.failure(
      'timeout',
      ErrorCode.ModbusTimeout,
      `slave ${address} did not answer in ${timeoutMs} ms`,
    );
  }

  /**
   * Waits until the line has been quiet for t3.5 (frames on the bus are separated by at least
   * that), or, after a timeout of this slave, for the guard time: bytes that arrive meanwhile (a
   * late answer) are drained and counted, and the wait starts again, up to MAX_QUIET_WAIT_MS.
   */
  private async quietLine(address: number, t35: number): Promise<void> {
    const guard = this.guard?.address === address ? this.guard : undefined;
    this.guard = undefined;
    const need = guard ? guard.quietMs : t35;
    const started = this.wire.now();
    let waited = false;
    for (;;) {
      const { transport } = this.options;
      if (!transport.isUp || this.detached) return;
      const now = this.wire.now();
      // After a timeout the quiet counts from the timeout: a slave still busy answering late
      // ignores requests, and its late answer must not meet the next one.
      const wait = Math.max(this.lastWireAt, guard?.since ?? Number.NEGATIVE_INFINITY) + need - now;
      if (wait <= 0.1 || now - started >= Math.max(MAX_QUIET_WAIT_MS, need)) break;
      waited = true;
      await this.idle(Math.min(wait, started + Math.max(MAX_QUIET_WAIT_MS, need) - now));
    }
    if (guard && waited) this.stats.guardWaits++;
  }

  /** Waits on the wire clock; cut short when the port goes down or the master is detached. */
  private idle(ms: number): Promise<void> {
    const { wire } = this;
    return new Promise((resolve) => {
      const timer = wire.setTimeout(
        () => {
          this.wakeIdle = undefined;
          resolve();
        },
        Math.max(1, Math.ceil(ms)),
      );
      this.wakeIdle = () => {
        wire.clearTimeout(timer);
        this.wakeIdle = undefined;
        resolve();
      };
    });
  }

  private receive(chunk: Buffer, at: number): void {
    this.lastWireAt = at;
    const p = this.pending;
    if (p && p.captured < p.capture.length) {
      const n = Math.min(chunk.length, p.capture.length - p.captured);
      chunk.copy(p.capture, p.captured, 0, n);
      p.captured += n;
    }
    try {
      this.handle(this.framer.push(chunk, at));
    } catch (err) {
      this.options.transport.countError();
      this.options.log.error(
        { err: errorMessage(err), bytes: hex(chunk) },
        'Modbus framing failed; input dropped',
      );
    }
  }

  private handle(outputs: RtuFramerOutput[]): void {
    const { transport, log } = this.options;
    for (const out of outputs) {
      if (out.kind === 'discard') {
        transport.countDiscarded(out.count);
        this.stats.discardedRuns++;
        if (out.reason === 'crc' && this.pending) this.pending.sawCrcError = true;
        log.debug({ reason: out.reason, bytes: out.count, head: hex(out.head) }, 'Modbus bytes discarded');
        continue;
      }
      const pending = this.pending;
      if (!pending) {
        this.stats.unexpectedFrames++;
        log.debug({ frame: hex(out.frame) }, 'Modbus frame with no request pending');
        continue;
      }
      const decoded = decodeReadResponse(out.frame, pending.address, pending.functionCode, pending.quantity);
      const now = this.options.clock.now();
      if (decoded.kind === 'registers') {
        transport.countFrame();
        this.stats.responses++;
        this.finish({ ok: true, registers: decoded.registers, at: now });
      } else if (decoded.kind === 'exception') {
        transport.countFrame();
        const code = decoded.exceptionCode;
        const failure = this.failure(
          'exception',
          ErrorCode.ModbusException,
          `slave ${pending.address} answered exception ${code} (${exceptionName(code)})`,
        );
        this.finish({ ...failure, exceptionCode: code });
      } else {
        this.finish(this.failure('bad-frame', ErrorCode.ModbusBadFrame, `bad answer: ${decoded.why}`));
      }
    }
  }

  private failure(
    kind: ModbusFailureKind,
    code: ErrorCode,
    message: string,
    address = this.pending?.address,
  ): ModbusReadResult & { ok: false } {
    return {
      ok: false,
      kind,
      error: new GatepostError(code, message, { address }),
      at: this.options.clock.now(),
    };
  }

  private finish(result: ModbusReadResult): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    this.framer.expect(undefined);
    this.timeout.cancel();
    if (!result.ok) {
      this.options.transport.countError();
      const s = this.stats;
      if (result.kind === 'timeout') s.timeouts++;
      else if (result.kind === 'crc') s.crcErrors++;
      else if (result.kind === 'exception') s.exceptions++;
      else if (result.kind === 'bad-frame') s.badFrames++;
      else s.portErrors++;
    }
    pending.resolve(result);
  }
}
