import type { Clock } from '../../../core/clock.ts';
import type { SerialBarrierConfig } from '../../../devices/barrier/config.ts';
import { type SerialDetector, serialDetectors } from '../../../devices/barrier/detectors.ts';
import type { SerialAttachment } from '../../attach/attachment.ts';
import type { SimSerialDevice } from '../device.ts';
import { DevicePort } from '../device-port.ts';
import type { ArmState } from './arm.ts';
import { BarrierCore, type Interlock, type Violation } from './barrier-core.ts';
import {
  CrLineSplitter,
  type ProtocolState,
  parseCommand,
  protocolState,
  statusLine,
} from './serial-protocol.ts';

export interface SimSerialBarrierOptions {
  clock: Clock;
  name?: string;
  travelMs?: number;
  initial?: 'closed' | 'open';
  chunkMs?: number;
  /** `reverse` (re-open when a vehicle reaches the loop while closing) is off by default. */
  interlock?: Partial<Pick<Interlock, 'reverse'>>;
}

/**
 * The serial boom barrier of datasheet section 4. Every line ends with CR.
 *   OPEN   -> `OK` (then `ST OPENING ...` and, after the travel time, `ST OPEN ...`)
 *   CLOSE  -> `OK`, or `ERR LOOP` while a vehicle is on the loop (or before a photo-eye)
 *   STATUS -> `ST <state> LOOP=<0|1>` only, with the extension fields of the detectors the
 *             config gives fields other than LOOP (`ST OPEN LOOP=0 PE1=1`)
 * While jammed, OPEN and CLOSE get `ERR FAULT`; anything else gets `ERR UNKNOWN` (the datasheet
 * names no reason for it). An `ST` line goes out unsolicited on every change of state or loop.
 * Replies are sent at once, paced to the baud rate, in order.
 *
 * Control API: putVehicle(), removeVehicle() (the main loop), setDetector(name, high), jam(on),
 * unplug(), replug(); state, violations.
 * Unlucky-line knobs: slowReplies(ms) (every reply, and the command's effect, comes `ms` of real
 * time late) and dropOks(n) (the next `n` OKs are lost on the line; their commands still act).
 */
export class SimSerialBarrier implements SimSerialDevice {
  readonly kind = 'serial-barrier' as const;
  readonly name: string;
  readonly port: DevicePort;
  readonly core: BarrierCore;
  private readonly splitter = new CrLineSplitter();
  private readonly detectorList: readonly SerialDetector[];
  private lastSent: string | undefined;
  private started = false;
  private replyDelayMs = 0;
  private oksToDrop = 0;
  private readonly delayed = new Set<NodeJS.Timeout>();

  constructor(
    readonly config: SerialBarrierConfig,
    attachment: SerialAttachment,
    options: SimSerialBarrierOptions,
  ) {
    this.name = options.name ?? `serial barrier ${config.port.path}`;
    this.port = new DevicePort(attachment, config.port, options.chunkMs);
    this.detectorList = serialDetectors(config);
    this.core = new BarrierCore({
      detectors: this.detectorList,
      clock: options.clock,
      ...(options.travelMs !== undefined ? { travelMs: options.travelMs } : {}),
      ...(options.initial ? { initial: options.initial } : {}),
      interlock: { refuseClose: true, reverse: options.interlock?.reverse ?? false },
    });
    this.core.on('state', () => this.sendStatusIfChanged());
    this.core.on('detector', () => this.sendStatusIfChanged());
    this.port.on('data', (bytes: Buffer) => {
      for (const line of this.splitter.push(bytes)) this.onLine('text' in line ? line.text : undefined);
    });
    this.port.on('unplugged', () => this.splitter.reset());
  }

  /** Where the arm is (as for the GPIO barrier). */
  get state(): ArmState {
    return this.core.state;
  }

  /** The state as the protocol names it in ST lines. */
  get protocolState(): ProtocolState {
    return protocolState(this.core.state, this.core.jammed);
  }

  get jammed(): boolean {
    return this.core.jammed;
  }

  get loopOccupied(): boolean {
    return this.core.loopOccupied;
  }

  /** The ST line as the barrier would send it now. */
  get currentStatus(): string {
    const loop = this.detectorList.find((d) => d.field === 'LOOP');
    const fields = this.detectorList
      .filter((d) => d.field !== 'LOOP')
      .map((d) => [d.field, this.core.detector(d.name)] as const);
    return statusLine(this.protocolState, loop ? this.core.detector(loop.name) : false, fields);
  }

  get violations(): readonly Violation[] {
    return this.core.violations;
  }

  async start(): Promise<void> {
    this.started = true;
    this.lastSent = this.currentStatus;
    await this.port.plug();
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const t of this.delayed) clearTimeout(t);
    this.delayed.clear();
    this.core.dispose();
    await this.port.unplug();
  }

  unplug(): Promise<void> {
    return this.port.unplug();
  }

  replug(): Promise<void> {
    return this.port.replug();
  }

  putVehicle(): void {
    this.core.putVehicle();
  }

  removeVehicle(): void {
    this.core.removeVehicle();
  }

  /** A detector (by its config name) sees a vehicle, or no longer does. */
  setDetector(name: string, high: boolean): void {
    this.core.setDetector(name, high);
  }

  jam(on: boolean): void {
    this.core.jam(on);
  }

  /** Every reply comes `ms` of real time late (wire time: whatever the clock's scale); 0 ends it. */
  slowReplies(ms: number): void {
    this.replyDelayMs = Math.max(0, ms);
  }

  /** The next `n` OKs are lost on the line; the commands they answer still take effect. */
  dropOks(n: number): void {
    this.oksToDrop = Math.max(0, n);
  }

  private onLine(text: string | undefined): void {
    if (this.replyDelayMs <= 0) {
      this.answer(text);
      return;
    }
    const t = setTimeout(() => {
      this.delayed.delete(t);
      if (this.started) this.answer(text);
    }, this.replyDelayMs);
    this.delayed.add(t);
  }

  private ok(): void {
    if (this.oksToDrop > 0) this.oksToDrop--;
    else this.send('OK\r');
  }

  private answer(text: string | undefined): void {
    const cmd = text === undefined ? undefined : parseCommand(text);
    switch (cmd) {
      case 'STATUS':
        this.sendStatus();
        return;
      // The reply is queued before the command takes effect, so OK precedes the ST lines it causes.
      case 'OPEN':
        if (this.core.jammed) {
          this.send('ERR FAULT\r');
          return;
        }
        this.ok();
        this.core.open();
        return;
      case 'CLOSE':
        if (this.core.presenceOccupied) {
          this.core.close(); // refused by the interlock; recorded as a breach of the gateway's rules
          this.send('ERR LOOP\r');
          return;
        }
        if (this.core.jammed) {
          this.send('ERR FAULT\r');
          return;
        }
        this.ok();
        this.core.close();
        return;
      default:
        this.send('ERR UNKNOWN\r');
    }
  }

  private sendStatus(): void {
    const line = this.currentStatus;
    this.lastSent = line;
    this.send(line);
  }

  private sendStatusIfChanged(): void {
    if (!this.started) return;
    const line = this.currentStatus;
    if (line === this.lastSent) return;
    this.lastSent = line;
    this.send(line);
  }

  private send(text: string): void {
    void this.port.write(Buffer.from(text, 'latin1'));
  }
}
