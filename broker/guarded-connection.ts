import { Duplex } from 'node:stream';
import { type GuardRefusal, PacketGuard } from './packet-guard.ts';

/** CONNACK, no session, return code 1. */
const UNACCEPTABLE_PROTOCOL_LEVEL = Buffer.from([0x20, 0x02, 0x00, 0x01]);

/** Where a connection comes from, for authentication (loopback, transport, browser origin). */
export interface ConnectionInfo {
  remoteAddress: string;
  transport: 'tcp' | 'tls' | 'ws' | 'wss';
  /** The Origin header of a WebSocket upgrade, if the browser sent one. */
  origin?: string;
}

export interface GuardedConnectionOptions {
  maxPacketBytes: number;
  /** A client that leaves what it is sent unread for this long is disconnected. */
  slowClientTimeoutMs: number;
  /** Called once when the input is refused; the connection is then destroyed. */
  onRefused: (reason: GuardRefusal, detail: string, head: Uint8Array) => void;
  /** Called once when the client is dropped for not reading. */
  onSlow: (detail: string) => void;
  /** Called when the client's input is held back by the rate limit (at most once a second). */
  onThrottled?: () => void;
  /**
   * The inner stream sends each write as a message of its own (a WebSocket): what is written in
   * one turn of the event loop is held until its end (setImmediate) and sent joined, in messages
   * of up to COALESCE_BYTES, instead of one WebSocket frame per piece (mqtt-packet writes a packet
   * in up to five pieces, and a burst of retained messages is one packet per turn). A browser
   * pays per frame it receives (a task, a stream chunk), so 1,200 packets cost 1,200× that
   * otherwise.
   */
  framed?: boolean;
}

/** The most a joined write of a framed (WebSocket) connection carries, unless one piece is bigger. */
export const COALESCE_BYTES = 64 * 1024;

/**
 * A client connection as Aedes sees it.
 *
 * Input: the socket's bytes pass through a PacketGuard (size and framing caps before the MQTT
 * parser) and, once the client is known, a per-client request rate limit (acknowledgements are
 * not counted). Over the limit the
 * socket is simply not read for a while, so TCP pushes back on that client and nothing is
 * dropped; every other client is served meanwhile.
 *
 * Output: in `bounded` mode (the default, and for every throttled role) a write never makes
 * Aedes wait: it is queued on the socket at once, up to a byte cap, so a client that stops reading
 * cannot hold up deliveries to anyone else; past the cap, or when the queue has not drained for
 * slowClientTimeoutMs, the client is disconnected. In `flow` mode (trusted bulk readers such as
 * the gateway and the central office) writes wait for the socket as usual, bounded by the same
 * timeout, so a long offline queue is sent at the reader's pace.
 */
export class GuardedConnection extends Duplex {
  private readonly guard: PacketGuard;
  private readonly maxQueuedBytes: number;
  private rate = 0;
  private burst = 0;
  private tokens = 0;
  private refilledAt = 0;
  private resumeTimer: NodeJS.Timeout | undefined;
  /** Input read from the socket but not yet allowed through by the rate limit. */
  private held: { buf: Buffer; requests: number[] } | undefined;
  /** True once this wrapper closed the connection itself (refused input, slow reader). */
  closedByGuard = false;
  private lastThrottleReport = 0;
  private wantsData = true;
  private mode: 'bounded' | 'flow' = 'bounded';
  private pendingSince: number | undefined;
  private slowTimer: NodeJS.Timeout | undefined;
  private readonly drainWaiters: (() => void)[] = [];
  /** The socket's input ended (the end is passed on once nothing is held back). */
  private innerEnded = false;
  /** Framed: writes are corked until the end of this turn of the event loop. */
  private holding = false;

  constructor(
    private readonly inner: Duplex,
    readonly info: ConnectionInfo,
    private readonly o: GuardedConnectionOptions,
  ) {
    super({ allowHalfOpen: false, writableHighWaterMark: 64 * 1024 });
    this.guard = new PacketGuard(o.maxPacketBytes);
    this.maxQueuedBytes = Math.max(2 * 1024 * 1024, 4 * o.maxPacketBytes);
    inner.on('data', (chunk: Buffer) => this.onData(chunk));
    // The client's last bytes (a burst of publishes, then DISCONNECT or just the end of its
    // socket) are still owed to Aedes when its socket ends and closes: Aedes reads only when it
    // has handled what it read before (waiting, say, on a slow subscriber), and what is held
    // back by the rate limit is not read yet either. The end is passed on after them, and a
    // clean close waits for Aedes to read them (bounded by slowClientTimeoutMs); destroying at
    // once lost those messages (the broker bench's "lost" QoS 0 messages: the publisher's tail).
    inner.on('end', () => {
      this.innerEnded = true;
      if (!this.held) this.push(null);
    });
    inner.on('error', (err) => this.destroy(err));
    inner.on('close', () => {
      if (this.destroyed) return;
      if (!this.innerEnded || this.closedByGuard || this.readableEnded) {
        this.destroy();
        return;
      }
      const bye = setTimeout(() => this.destroy(), this.o.slowClientTimeoutMs);
      this.once('end', () => {
        clearTimeout(bye);
        this.destroy();
      });
    });
    inner.on('drain', () => {
      this.pendingSince = undefined;
      for (const w of this.drainWaiters.splice(0)) w();
    });
  }

  /** Holds the client to `perSecond` requests a second on average, bursts up to twice that. */
  throttle(perSecond: number): void {
    if (!(perSecond > 0)) return;
    this.rate = perSecond;
    this.burst = perSecond * 2;
    this.tokens = this.burst;
    this.refilledAt = performance.now();
  }

  /** `flow`: writes wait for the socket (see the class comment). */
  setWriteMode(mode: 'bounded' | 'flow'): void {
    this.mode = mode;
  }

  private onData(chunk: Buffer): void {
    const verdict = this.guard.feed(chunk);
    if (!verdict.ok) {
      this.o.onRefused(verdict.reason, verdict.detail, chunk.subarray(0, 32));
      this.closedByGuard = true;
      this.inner.pause();
      if (verdict.reason === 'protocol-level') {
        // [MQTT-3.1.2-2]: CONNACK 0x01 (unacceptable protocol level), then the connection ends.
        const bye = setTimeout(() => this.destroy(), 1000);
        this.inner.end(UNACCEPTABLE_PROTOCOL_LEVEL, () => {
          clearTimeout(bye);
          this.destroy();
        });
        return;
      }
      this.destroy();
      return;
    }
    if (this.rate === 0) {
      this.deliver(chunk);
      return;
    }
    if (this.held) {
      // Data that was already on its way when the socket was paused.
      const offset = this.held.buf.length;
      this.held = {
        buf: Buffer.concat([this.held.buf, chunk]),
        requests: [...this.held.requests, ...verdict.requests.map((r) => r + offset)],
      };
    } else {
      this.held = { buf: chunk, requests: verdict.requests };
    }
    this.release();
  }

  /** Passes on the held input the rate allows (up to the first request it cannot pay for); holds the rest. */
  private release(): void {
    const held = this.held;
    if (!held) return;
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.rate);
    this.refilledAt = now;
    const affordable = Math.max(0, Math.floor(this.tokens));
    const cut = held.requests[affordable];
    if (cut === undefined) {
      this.tokens -= held.requests.length;
      this.held = undefined;
      this.deliver(held.buf);
      if (this.innerEnded) this.push(null);
      return;
    }
    this.tokens -= affordable;
    // Bytes before `cut` are paid-for requests, acknowledgements, or the rest of an earlier packet.
    if (cut > 0) this.deliver(held.buf.subarray(0, cut));
    this.held = {
      buf: held.buf.subarray(cut),
      requests: held.requests.slice(affordable).map((r) => r - cut),
    };
    this.inner.pause();
    if (now - this.lastThrottleReport >= 1000) {
      this.lastThrottleReport = now;
      this.o.onThrottled?.();
    }
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(
      () => {
        this.resumeTimer = undefined;
        if (this.destroyed) return;
        this.release();
        if (!this.held && this.wantsData) this.inner.resume();
      },
      Math.ceil(((1 - this.tokens) / this.rate) * 1000),
    );
  }

  private deliver(buf: Buffer): void {
    if (!this.push(buf)) {
      this.wantsData = false;
      this.inner.pause();
    }
  }

  override _read(): void {
    this.wantsData = true;
    if (!this.resumeTimer && !this.held) this.inner.resume();
  }

  override write(
    chunk: unknown,
    encoding?: BufferEncoding | ((error: Error | null | undefined) => void),
    cb?: (error: Error | null | undefined) => void,
  ): boolean {
    if (this.o.framed && !this.holding && !this.destroyed) {
      this.holding = true;
      this.cork();
      setImmediate(() => {
        this.holding = false;
        this.uncork();
      });
    }
    return super.write(chunk, encoding as BufferEncoding, cb);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.peerGone(cb)) return;
    this.afterWrite(this.inner.write(chunk), cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    if (this.peerGone(cb)) return;
    this.inner.cork();
    let ok = true;
    if (this.o.framed) {
      for (const joined of joinPieces(chunks)) ok = this.inner.write(joined);
    } else {
      for (const c of chunks) ok = this.inner.write(c.chunk);
    }
    this.inner.uncork();
    this.afterWrite(ok, cb);
  }

  /** The socket closed while its last input is still being read: what Aedes answers goes nowhere. */
  private peerGone(cb: (err?: Error | null) => void): boolean {
    if (!this.inner.destroyed && !this.inner.writableEnded) return false;
    cb();
    return true;
  }

  private afterWrite(flushed: boolean, cb: (err?: Error | null) => void): void {
    if (flushed) {
      cb();
      return;
    }
    this.pendingSince ??= performance.now();
    this.armSlowTimer();
    if (this.mode === 'flow') {
      this.drainWaiters.push(() => cb());
      return;
    }
    if (this.inner.writableLength > this.maxQueuedBytes) {
      this.slow(`more than ${this.maxQueuedBytes} bytes sent and not read`);
    }
    cb();
  }

  private armSlowTimer(): void {
    if (this.slowTimer || this.pendingSince === undefined) return;
    const wait = this.pendingSince + this.o.slowClientTimeoutMs - performance.now();
    this.slowTimer = setTimeout(
      () => {
        this.slowTimer = undefined;
        if (this.pendingSince === undefined || this.destroyed) return;
        if (performance.now() - this.pendingSince >= this.o.slowClientTimeoutMs) {
          this.slow(`nothing read for ${this.o.slowClientTimeoutMs} ms`);
        } else {
          this.armSlowTimer();
        }
      },
      Math.max(0, wait),
    );
  }

  private slow(detail: string): void {
    if (this.destroyed) return;
    this.closedByGuard = true;
    this.o.onSlow(detail);
    this.destroy();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.inner.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    clearTimeout(this.resumeTimer);
    clearTimeout(this.slowTimer);
    this.resumeTimer = undefined;
    this.slowTimer = undefined;
    this.held = undefined;
    this.drainWaiters.length = 0;
    this.inner.destroy();
    cb(err);
  }
}

/** Joins consecutive pieces into buffers of up to COALESCE_BYTES (a bigger piece goes alone). */
function joinPieces(chunks: { chunk: Buffer }[]): Buffer[] {
  const out: Buffer[] = [];
  let group: Buffer[] = [];
  let size = 0;
  for (const { chunk } of chunks) {
    if (size > 0 && size + chunk.length > COALESCE_BYTES) {
      out.push(group.length === 1 ? (group[0] as Buffer) : Buffer.concat(group, size));
      group = [];
      size = 0;
    }
    group.push(chunk);
    size += chunk.length;
  }
  if (size > 0) out.push(group.length === 1 ? (group[0] as Buffer) : Buffer.concat(group, size));
  return out;
}
