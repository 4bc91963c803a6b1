import type { SerialLink } from '../../../../devices/serial/link.ts';
import { SerialPortOpener } from '../../../../devices/serial/serialport-opener.ts';

/**
 * A serial boom barrier written from the datasheet (section 4) and nothing else: none of the
 * driver's or the simulator's code. It answers `OPEN`/`CLOSE` with `OK` (or `ERR LOOP` to a
 * CLOSE while a vehicle is on the loop) and `STATUS` with `ST <state> LOOP=<0|1>`; an accepted
 * command moves the arm (`ST OPENING`/`ST CLOSING` 20 ms after the reply, the end state after
 * `travelMs`), and every change of state or loop sends an `ST` line unsolicited.
 *
 * Faults to inject: `replyDelayMs` (every reply, OK/ERR and the ST answering STATUS, comes this
 * late; the command takes effect when its reply is due) and `dropOk(command, n)` (the OK to the
 * n-th OPEN or CLOSE is never sent; the command still takes effect).
 */
export type PeerState = 'OPEN' | 'CLOSED' | 'OPENING' | 'CLOSING';

export interface DatasheetPeerOptions {
  devicePath: string;
  initial?: 'OPEN' | 'CLOSED';
  travelMs?: number;
  replyDelayMs?: number;
  dropOk?: (command: 'OPEN' | 'CLOSE', n: number) => boolean;
}

export class DatasheetBarrierPeer {
  state: PeerState;
  loop = false;
  readonly received: string[] = [];
  readonly sent: string[] = [];
  /** Every state the arm went through, with the time (Date.now()). */
  readonly moves: { state: PeerState; at: number }[] = [];
  /** Times the arm reached CLOSED with a vehicle on the loop. */
  armDownOnVehicle = 0;
  private link: SerialLink | undefined;
  private buf = '';
  private moveTimers: NodeJS.Timeout[] = [];
  private readonly pendingReplies = new Set<NodeJS.Timeout>();
  private readonly counts = { OPEN: 0, CLOSE: 0 };

  private constructor(private readonly o: DatasheetPeerOptions) {
    this.state = o.initial ?? 'CLOSED';
  }

  static async open(o: DatasheetPeerOptions): Promise<DatasheetBarrierPeer> {
    const peer = new DatasheetBarrierPeer(o);
    peer.link = await new SerialPortOpener().open({
      path: o.devicePath,
      baudRate: 9600,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
    });
    peer.link.on('data', (chunk: Buffer) => peer.receive(chunk));
    return peer;
  }

  async close(): Promise<void> {
    for (const t of [...this.moveTimers, ...this.pendingReplies]) clearTimeout(t);
    await this.link?.close();
  }

  putVehicle(): void {
    if (this.loop) return;
    this.loop = true;
    this.sendStatus();
  }

  removeVehicle(): void {
    if (!this.loop) return;
    this.loop = false;
    this.sendStatus();
  }

  private receive(chunk: Buffer): void {
    this.buf += chunk.toString('latin1');
    for (let i = this.buf.indexOf('\r'); i >= 0; i = this.buf.indexOf('\r')) {
      const line = this.buf.slice(0, i).trim();
      this.buf = this.buf.slice(i + 1);
      if (line) this.command(line);
    }
  }

  private command(line: string): void {
    this.received.push(line);
    this.later(() => {
      if (line === 'STATUS') this.sendStatus();
      else if (line === 'OPEN') {
        this.counts.OPEN++;
        if (!this.o.dropOk?.('OPEN', this.counts.OPEN)) this.send('OK');
        this.move('OPENING', 'OPEN');
      } else if (line === 'CLOSE') {
        this.counts.CLOSE++;
        if (this.loop) {
          this.send('ERR LOOP');
          return;
        }
        if (!this.o.dropOk?.('CLOSE', this.counts.CLOSE)) this.send('OK');
        this.move('CLOSING', 'CLOSED');
      } else this.send('ERR UNKNOWN');
    });
  }

  private later(fn: () => void): void {
    const delay = this.o.replyDelayMs ?? 0;
    if (delay <= 0) {
      fn();
      return;
    }
    const t = setTimeout(() => {
      this.pendingReplies.delete(t);
      fn();
    }, delay);
    this.pendingReplies.add(t);
  }

  private move(via: PeerState, to: PeerState): void {
    if (this.state === to) return;
    for (const t of this.moveTimers) clearTimeout(t);
    this.moveTimers = [
      setTimeout(() => this.setState(via), 20),
      setTimeout(() => this.setState(to), 20 + (this.o.travelMs ?? 300)),
    ];
  }

  private setState(s: PeerState): void {
    if (s === this.state) return;
    this.state = s;
    this.moves.push({ state: s, at: Date.now() });
    if (s === 'CLOSED' && this.loop) this.armDownOnVehicle++;
    this.sendStatus();
  }

  private sendStatus(): void {
    this.send(`ST ${this.state} LOOP=${this.loop ? 1 : 0}`);
  }

  private send(line: string): void {
    this.sent.push(line);
    void this.link?.write(Buffer.from(`${line}\r`, 'latin1')).catch(() => {});
  }
}
