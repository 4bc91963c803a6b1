import { EventEmitter } from 'node:events';
import { ErrorCode, GatepostError } from '../../../core/errors.ts';
import { modbusSilenceMs, type WireSpan } from '../../pacing.ts';
import type { DevicePort } from '../device-port.ts';
import {
  BROADCAST,
  MAX_READ_REGISTERS,
  ModbusExceptionCode,
  ModbusFunction,
  type ModbusRequest,
  parseRtuFrame,
  readRange,
  registersData,
  rtuException,
  rtuReply,
} from './pdu.ts';
import { RtuFramer } from './rtu-framer.ts';

/** What a unit answers: data after the function code, an exception, or nothing at all. */
export type ModbusReply =
  | { kind: 'data'; data: Buffer }
  | { kind: 'exception'; code: number }
  | { kind: 'silent' };

/**
 * One small behaviour: looks at a request and answers it, or returns undefined to let the next
 * behaviour try. A unit with no behaviour for a function answers exception 01.
 */
export type ModbusBehaviour = (request: ModbusRequest) => ModbusReply | undefined;

/** One slave address: a device on the line, built from behaviours. */
export class ModbusUnit {
  /** An offline unit hears nothing and says nothing (powered off, cable cut at the sensor). */
  online = true;
  /**
   * The next this-many replies (data or exception) go out with a corrupted CRC, as line
   * interference or a failing transceiver would garble them; `Infinity` for every reply.
   */
  badCrcReplies = 0;
  private readonly behaviours: ModbusBehaviour[];

  constructor(
    readonly address: number,
    behaviours: ModbusBehaviour[] = [],
  ) {
    if (!Number.isInteger(address) || address < 1 || address > 247) {
      throw new RangeError(`Modbus slave address must be 1-247, got ${address}`);
    }
    this.behaviours = [...behaviours];
  }

  /**
   * Adds a behaviour, last by default; `first` puts it before the others (how faults such as
   * "answer exception 04" or "stay silent" are layered on). Returns a function that removes it.
   */
  use(behaviour: ModbusBehaviour, options: { first?: boolean } = {}): () => void {
    if (options.first) this.behaviours.unshift(behaviour);
    else this.behaviours.push(behaviour);
    return () => {
      const i = this.behaviours.indexOf(behaviour);
      if (i >= 0) this.behaviours.splice(i, 1);
    };
  }

  /** Behaviours that threw (each answered exception 04, as firmware with a bug might). */
  behaviourErrors = 0;

  handle(request: ModbusRequest): ModbusReply {
    try {
      for (const b of this.behaviours) {
        const reply = b(request);
        if (reply) return reply;
      }
    } catch {
      this.behaviourErrors++;
      return { kind: 'exception', code: ModbusExceptionCode.ServerDeviceFailure };
    }
    return { kind: 'exception', code: ModbusExceptionCode.IllegalFunction };
  }
}

/**
 * Function 0x04 (Read Input Registers) over a register table read at request time. Checks in
 * the order of the Modbus application protocol: PDU length and quantity 1-125 (else exception
 * 03), then the address range (else 02).
 */
export function inputRegisters(read: () => readonly number[]): ModbusBehaviour {
  return readRegisters(ModbusFunction.ReadInputRegisters, read);
}

function readRegisters(fn: number, read: () => readonly number[]): ModbusBehaviour {
  return (req) => {
    if (req.fn !== fn) return undefined;
    const range = readRange(req);
    if (!range || range.quantity < 1 || range.quantity > MAX_READ_REGISTERS) {
      return { kind: 'exception', code: ModbusExceptionCode.IllegalDataValue };
    }
    const table = read();
    if (range.start + range.quantity > table.length) {
      return { kind: 'exception', code: ModbusExceptionCode.IllegalDataAddress };
    }
    return { kind: 'data', data: registersData(table.slice(range.start, range.start + range.quantity)) };
  };
}

export interface SlaveStats {
  /** Frames with a valid CRC, for any address. */
  frames: number;
  crcErrors: number;
  /** Frames under 4 bytes. */
  shortFrames: number;
  /** Valid frames for an address nobody here has (or an offline unit): silence. */
  notForUs: number;
  broadcasts: number;
  replies: number;
  exceptions: number;
  /** Bytes of over-long frames. */
  discardedBytes: number;
}

/**
 * A Modbus RTU slave line: one serial port answering for one or many slave addresses (a
 * thermometer, or a multi-drop bus of bay sensors). Frames by t3.5 silence, drops frames with a
 * bad CRC silently, stays silent for other addresses and for broadcasts, and answers each
 * request of one of its units from the moment the request's silence ended on the wire, paced to
 * the baud rate.
 *
 * Events: `exchange` (request: ModbusRequest, reply: Buffer | undefined) for every valid frame.
 */
export class ModbusRtuSlave extends EventEmitter {
  private readonly units = new Map<number, ModbusUnit>();
  private readonly framer: RtuFramer;
  private readonly counters = {
    frames: 0,
    crcErrors: 0,
    shortFrames: 0,
    notForUs: 0,
    broadcasts: 0,
    replies: 0,
    exceptions: 0,
  };
  private started = false;
  /**
   * A silent line hears nothing and says nothing for every unit on it (the bus lost power, its
   * A/B pair is cut): every frame is dropped, uncounted by `stats`, and counted in `framesIgnored`.
   */
  silent = false;
  /** Frames dropped while `silent`. */
  framesIgnored = 0;
  /** Replies sent with a corrupted CRC (ModbusUnit.badCrcReplies). */
  badCrcSent = 0;

  constructor(readonly port: DevicePort) {
    super();
    this.framer = new RtuFramer(modbusSilenceMs(port.format), (frame, silenceEndAt) =>
      this.onFrame(frame, silenceEndAt),
    );
  }

  addUnit(unit: ModbusUnit): ModbusUnit {
    if (this.units.has(unit.address))
      throw new GatepostError(
        ErrorCode.PortInUse,
        `slave address ${unit.address} is used twice on ${this.port.path}`,
      );
    this.units.set(unit.address, unit);
    return unit;
  }

  unit(address: number): ModbusUnit | undefined {
    return this.units.get(address);
  }

  get stats(): SlaveStats {
    return { ...this.counters, discardedBytes: this.framer.discardedBytes };
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.port.on('data', this.onData);
    this.port.on('unplugged', this.onUnplugged);
  }

  stop(): void {
    this.started = false;
    this.port.off('data', this.onData);
    this.port.off('unplugged', this.onUnplugged);
    this.framer.reset();
  }

  private readonly onData = (bytes: Buffer, span: WireSpan): void =>
    this.framer.push(bytes, span.start, span.end);

  private readonly onUnplugged = (): void => this.framer.reset();

  private onFrame(frame: Buffer, silenceEndAt: number): void {
    if (this.silent) {
      this.framesIgnored++;
      return;
    }
    const parsed = parseRtuFrame(frame);
    if (!parsed.ok) {
      if (parsed.reason === 'crc') this.counters.crcErrors++;
      else this.counters.shortFrames++;
      return;
    }
    this.counters.frames++;
    const req = parsed.request;
    if (req.unit === BROADCAST) {
      // Every unit applies a broadcast (only writes make sense) and nobody replies.
      this.counters.broadcasts++;
      for (const unit of this.units.values()) if (unit.online) unit.handle(req);
      this.emit('exchange', req, undefined);
      return;
    }
    const unit = this.units.get(req.unit);
    if (!unit?.online) {
      this.counters.notForUs++;
      this.emit('exchange', req, undefined);
      return;
    }
    const reply = unit.handle(req);
    let out: Buffer | undefined;
    if (reply.kind === 'data') {
      out = rtuReply(req.unit, req.fn, reply.data);
      this.counters.replies++;
    } else if (reply.kind === 'exception') {
      out = rtuException(req.unit, req.fn, reply.code);
      this.counters.exceptions++;
    }
    if (out && unit.badCrcReplies > 0) {
      unit.badCrcReplies--;
      this.badCrcSent++;
      out = corruptCrc(out);
    }
    this.emit('exchange', req, out);
    // The unit's UART starts its answer the moment the request's silence is complete, as a
    // sensor's hardware timer would, not when this process's timer got round to noticing it (a
    // JS timer fires up to a millisecond or two late): the answer's bytes are paced from then.
    if (out) void this.port.write(out, silenceEndAt);
  }
}

/** The frame with both CRC bytes inverted: never a valid CRC-16/MODBUS of the same body. */
function corruptCrc(frame: Buffer): Buffer {
  const out = Buffer.from(frame);
  const n = out.length;
  out[n - 2] = ~(out[n - 2] as number) & 0xff;
  out[n - 1] = ~(out[n - 1] as number) & 0xff;
  return out;
}
