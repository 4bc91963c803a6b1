import type { Clock } from '../../core/clock.ts';
import { ErrorCode, errorMessage, GatepostError } from '../../core/errors.ts';
import { hex, type Logger } from '../../core/logger.ts';
import { PatientTimer } from '../patient-timer.ts';
import type { SerialTransport } from '../serial/transport.ts';
import {
  decodeReadResponse,
  exceptionName,
  FC_READ_INPUT_REGISTERS,
  readRequest,
  readResponseLength,
} from './pdu.ts';
import { RtuFramer, type RtuFramerOutput } from './rtu-framer.ts';
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
}

interface Pending {
  address: number;
  functionCode: number;
  quantity: number;
  sawCrcError: boolean;
  resolve: (r: ModbusReadResult) => void;
}

/**
 * A Modbus RTU master over a SerialTransport (hence over any SerialOpener, PTYs and the
 * in-process hub included). One transaction at a time, as the half-duplex bus demands; a t3.5
 * silence before every request; every failure comes back as a result, never as a throw.
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
  };
  private readonly framer: RtuFramer;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** performance.now() of the last byte sent or received: wire silences are physical time. */
  private lastWireAt = Number.NEGATIVE_INFINITY;
  private wakeIdle: (() => void) | undefined;
  private readonly timeout: PatientTimer;
  private detached = false;
  private readonly unsubscribe: (() => void)[];

  constructor(private readonly options: ModbusMasterOptions) {
    const { transport } = options;
    this.timeout = new PatientTimer(options.clock, { graceMs: 30, retries: 2 });
    this.framer = new RtuFramer({
      silenceMs: Math.max(t35Ms(transport.settings), options.minSilenceMs ?? 20),
    });
    this.unsubscribe = [
      transport.on('data', ({ chunk, at }) => this.receive(chunk, at)),
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
    // Frames on the bus are separated by at least t3.5 of silence.
    const wait = this.lastWireAt + t35Ms(settings) - performance.now();
    if (wait > 0.1 && transport.isUp && !this.detached) await this.idle(wait);
    if (!transport.isUp || this.detached) {
      this.stats.portErrors++;
      return this.failure('port', ErrorCode.PortClosed, `serial port ${transport.path} is not open`, address);
    }
    this.handle(this.framer.flush());
    this.stats.requests++;
    const expectedLength = readResponseLength(quantity);
    this.framer.expect({ address, functionCode, length: expectedLength });
    const result = new Promise<ModbusReadResult>((resolve) => {
      this.pending = { address, functionCode, quantity, sawCrcError: false, resolve };
    });
    try {
      await transport.write(request);
    } catch (err) {
      this.finish(this.failure('port', ErrorCode.PortClosed, `request not sent: ${errorMessage(err)}`));
      return result;
    }
    this.lastWireAt = performance.now();
    const pending = this.pending;
    if (pending) {
      // The timeout runs from the end of the request on the wire and allows for the answer's own length.
      const deadline =
        wireTimeMs(request.length, settings) + timeoutMs + wireTimeMs(expectedLength, settings);
      this.timeout.start(() => {
        if (this.pending !== pending) return;
        this.handle(this.framer.flush());
        if (pending.sawCrcError) {
          this.finish(this.failure('crc', ErrorCode.ModbusCrc, `bad CRC in the answer of slave ${address}`));
        } else {
          this.finish(
            this.failure(
              'timeout',
              ErrorCode.ModbusTimeout,
              `slave ${address} did not answer in ${timeoutMs} ms`,
            ),
          );
        }
      }, this.physical(deadline));
    }
    return result;
  }

  /**
   * Wire timings (silences, response timeouts) are physical: on a sped-up clock (the demo's
   * timeScale) a timer of `ms * scale` clock ms lasts `ms` real ms.
   */
  private physical(ms: number): number {
    // Whole clock ms: timers cannot do better, and a manual clock must stay on whole ms.
    return Math.ceil(ms * this.options.clock.scale);
  }

  /** Waits out the inter-frame silence; cut short when the port goes down or the master is detached. */
  private idle(ms: number): Promise<void> {
    const { clock } = this.options;
    return new Promise((resolve) => {
      const timer = clock.setTimeout(() => {
        this.wakeIdle = undefined;
        resolve();
      }, this.physical(ms));
      this.wakeIdle = () => {
        clock.clearTimeout(timer);
        this.wakeIdle = undefined;
        resolve();
      };
    });
  }

  private receive(chunk: Buffer, at: number): void {
    this.lastWireAt = performance.now();
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
