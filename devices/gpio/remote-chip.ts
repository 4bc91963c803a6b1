import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { ErrorCode, GatepostError } from '../../core/errors.ts';
import type { GpioChip, GpioInput, GpioOutput, Level } from './gpio.ts';

/**
 * A GPIO chip that lives in another process: the simulator's virtual chip, served by
 * `sim/gpio-server.ts`, so that a gateway started as a separate process drives the simulated
 * barrier's relays and reads its limit switches and loop as if they were on its own header.
 *
 * Protocol (version 1): ASCII lines ending in LF, at most 256 bytes, over a unix socket
 * (`unix:/path/to.sock`) or TCP (`tcp:127.0.0.1:7700`; loopback only, there is no auth).
 *
 *   client -> server                     server -> client
 *   HELLO 1 <chip> [<line>,<line>...]    LEVEL <line> <0|1>  for each line named, then
 *                                        READY <chip>        (or ERR unknown chip, and close)
 *   WATCH <line>                         LEVEL <line> <0|1>  now, and on every later change
 *   SET <line> <0|1>                     nothing (a change made by this client is not echoed)
 *   PING <token>                         PONG <token>        (everything before it was applied)
 *   anything else                        ERR <reason>        (the connection stays up)
 *
 * The client keeps a mirror of each line's level, so `read()` stays synchronous as GpioChip
 * requires: name the input lines at connect time (`lines`) and their first read is exact; a
 * line first used later reads 0 until its LEVEL arrives (`await chip.sync()` to wait for it).
 * If the connection drops, reads return the last levels known, writes throw PortClosed and
 * `close` (Error) is emitted; there is no reconnect.
 */
export const REMOTE_GPIO_PROTOCOL_VERSION = 1;
const MAX_PROTOCOL_LINE = 256;

export type GpioAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/** Parses `unix:<path>` or `tcp:<host>:<port>`. */
export function parseGpioAddress(address: string): GpioAddress {
  if (address.startsWith('unix:') && address.length > 5) return { kind: 'unix', path: address.slice(5) };
  const m = /^tcp:(.+):(\d{1,5})$/.exec(address);
  if (m && Number(m[2]) <= 65535) return { kind: 'tcp', host: m[1] as string, port: Number(m[2]) };
  throw new GatepostError(
    ErrorCode.ConfigInvalid,
    `GPIO address must be unix:<path> or tcp:<host>:<port>, got ${address}`,
  );
}

/** Splits a byte stream into LF-terminated lines (CR ignored), dropping lines over the cap. */
export class ProtocolLineReader {
  private buf = '';
  private skipping = false;

  push(chunk: string): string[] {
    const out: string[] = [];
    let text = this.buf + chunk;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n')) {
      const line = text.slice(0, i).replace(/\r$/, '');
      text = text.slice(i + 1);
      if (!this.skipping) out.push(line);
      this.skipping = false;
    }
    if (text.length > MAX_PROTOCOL_LINE) {
      this.skipping = true;
      text = '';
    }
    this.buf = text;
    return out;
  }
}

export interface RemoteGpioChipOptions {
  /** `unix:<path>` or `tcp:<host>:<port>`. */
  address: string;
  /** The chip's name at the server (the `chip` of the barrier config). */
  chip: string;
  /** Lines whose level must be known before connect resolves (the inputs). */
  lines?: readonly number[];
  timeoutMs?: number;
}

export class RemoteGpioChip extends EventEmitter implements GpioChip {
  private readonly levels = new Map<number, Level>();
  private readonly watchers = new Map<number, Set<(level: Level) => void>>();
  private readonly watched = new Set<number>();
  private readonly pings = new Map<string, () => void>();
  private readonly reader = new ProtocolLineReader();
  private pingSeq = 0;
  private alive = true;
  private closing = false;

  private constructor(
    readonly name: string,
    private readonly socket: Socket,
  ) {
    super();
  }

  static async connect(options: RemoteGpioChipOptions): Promise<RemoteGpioChip> {
    const addr = parseGpioAddress(options.address);
    const lines = options.lines ?? [];
    for (const l of lines) checkLine(l);
    const socket =
      addr.kind === 'unix' ? connect({ path: addr.path }) : connect({ host: addr.host, port: addr.port });
    socket.setEncoding('latin1');
    socket.setNoDelay?.(true);
    const chip = new RemoteGpioChip(options.chip, socket);
    for (const l of lines) chip.watched.add(l);
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        socket.off('error', done);
        chip.off('ready', onReady);
        chip.off('refused', done);
        chip.off('close', onClose);
        if (!err) return resolve();
        socket.destroy();
        reject(
          new GatepostError(
            ErrorCode.PortOpenFailed,
            `cannot reach GPIO chip ${options.chip} at ${options.address}: ${err.message}`,
          ),
        );
      };
      const onReady = () => done();
      const onClose = () =>
        done(new GatepostError(ErrorCode.PortOpenFailed, 'the server closed the connection'));
      const timer = setTimeout(
        () => done(new GatepostError(ErrorCode.PortOpenFailed, 'no READY in time')),
        options.timeoutMs ?? 5000,
      );
      socket.once('error', done);
      chip.once('ready', onReady);
      chip.once('refused', done);
      chip.once('close', onClose);
      socket.on('data', (chunk: string) => chip.onData(chunk));
      socket.on('error', () => {}); // the close event below reports it
      socket.on('close', () => chip.lose());
      const named = lines.length > 0 ? ` ${lines.join(',')}` : '';
      socket.write(`HELLO ${REMOTE_GPIO_PROTOCOL_VERSION} ${options.chip}${named}\n`);
    });
    return chip;
  }

  get connected(): boolean {
    return this.alive;
  }

  input(line: number): GpioInput {
    checkLine(line);
    this.subscribe(line);
    return {
      read: () => this.levels.get(line) ?? 0,
      watch: (listener) => this.watch(line, listener),
    };
  }

  output(line: number): GpioOutput {
    checkLine(line);
    return {
      read: () => this.levels.get(line) ?? 0,
      write: (level) => {
        if (!this.alive)
          throw new GatepostError(ErrorCode.PortClosed, `remote GPIO chip ${this.name} is disconnected`);
        const changed = (this.levels.get(line) ?? 0) !== level;
        this.levels.set(line, level);
        this.socket.write(`SET ${line} ${level}\n`);
        if (changed) this.notify(line, level);
      },
    };
  }

  /** Resolves once the server has applied everything sent so far and its answers have arrived. */
  sync(): Promise<void> {
    if (!this.alive)
      return Promise.reject(
        new GatepostError(ErrorCode.PortClosed, `remote GPIO chip ${this.name} is disconnected`),
      );
    const token = String(++this.pingSeq);
    return new Promise((resolve) => {
      this.pings.set(token, resolve);
      this.socket.write(`PING ${token}\n`);
    });
  }

  async close(): Promise<void> {
    if (!this.alive) return;
    this.closing = true;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }

  private subscribe(line: number): void {
    if (this.watched.has(line)) return;
    this.watched.add(line);
    if (this.alive) this.socket.write(`WATCH ${line}\n`);
  }

  private watch(line: number, listener: (level: Level) => void): () => void {
    let set = this.watchers.get(line);
    if (!set) {
      set = new Set();
      this.watchers.set(line, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  private notify(line: number, level: Level): void {
    for (const w of this.watchers.get(line) ?? []) w(level);
  }

  private onData(chunk: string): void {
    for (const text of this.reader.push(chunk)) {
      const [verb, a, b] = text.split(' ');
      if (verb === 'LEVEL' && /^\d{1,4}$/.test(a ?? '') && (b === '0' || b === '1')) {
        const line = Number(a);
        const level: Level = b === '1' ? 1 : 0;
        const changed = (this.levels.get(line) ?? 0) !== level;
        this.levels.set(line, level);
        if (changed) this.notify(line, level);
      } else if (verb === 'READY') {
        this.emit('ready');
      } else if (verb === 'PONG' && a !== undefined) {
        this.pings.get(a)?.();
        this.pings.delete(a);
      } else if (verb === 'ERR') {
        this.emit('refused', new GatepostError(ErrorCode.PortOpenFailed, text.slice(4)));
      }
    }
  }

  private lose(): void {
    if (!this.alive) return;
    this.alive = false;
    for (const resolve of this.pings.values()) resolve();
    this.pings.clear();
    const err = this.closing
      ? undefined
      : new GatepostError(ErrorCode.PortClosed, `remote GPIO chip ${this.name} disconnected`);
    this.emit('close', err);
  }
}

function checkLine(line: number): void {
  if (!Number.isInteger(line) || line < 0 || line > 1023)
    throw new RangeError(`GPIO line must be 0-1023, got ${line}`);
}
