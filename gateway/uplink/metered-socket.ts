import { Duplex } from 'node:stream';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ErrorCode, GatepostError } from '../../core/errors.ts';
import { InboundPacketMeter, type MeterRefusal, type SkippedPublish } from './inbound-packet-meter.ts';

/** What the uplink learns of a refused packet. */
export interface InboundRefusal extends MeterRefusal {
  /** The budget it broke. */
  maxPacketBytes: number;
  /** Bytes read from the socket (TCP or TLS, decrypted) when it was dropped, the refused chunk included. */
  socketBytesRead: number;
}

/** What the uplink hears of the meter. */
export interface MeterListener {
  /** A PUBLISH over the budget was skipped unread (of QoS 1, mqtt.js gets it with no payload). */
  onSkipped(skipped: SkippedPublish, maxPacketBytes: number): void;
  /** A packet was refused: the connection is destroyed with `err` right after. */
  onRefused(refusal: InboundRefusal, err: GatepostError): void;
}

/**
 * The connection mqtt.js reads and writes, between it and the socket it built (TCP or TLS):
 * writes go through as they are; each chunk read goes through the meter (inbound-packet-meter.ts)
 * before mqtt.js sees it: an oversized PUBLISH is skipped, and at a refused chunk the connection
 * is destroyed with GatepostError UplinkPacketRefused, nothing of that chunk passed on.
 * Backpressure from mqtt.js (it reads the next message only once the last is handled) pauses the
 * socket.
 */
export class MeteredSocket extends Duplex {
  private readonly meter: InboundPacketMeter;
  private socketBytesRead = 0;

  constructor(
    private readonly socket: Duplex,
    maxPacketBytes: number,
    private readonly listener: MeterListener,
  ) {
    super({ allowHalfOpen: false });
    this.meter = new InboundPacketMeter(maxPacketBytes);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => {
      if (!this.destroyed) this.push(null);
    });
    socket.on('error', (err: Error) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  private onData(chunk: Buffer): void {
    if (this.destroyed) return;
    this.socketBytesRead += chunk.length;
    const verdict = this.meter.feed(chunk);
    if (!verdict.ok) {
      const refusal: InboundRefusal = {
        ...verdict,
        maxPacketBytes: this.meter.maxPacketBytes,
        socketBytesRead: this.socketBytesRead,
      };
      const err = new GatepostError(
        ErrorCode.UplinkPacketRefused,
        `the central broker sent a packet the uplink refuses (${verdict.reason}): ${verdict.detail}; connection dropped before reading it`,
        { reason: verdict.reason, packetType: verdict.packetType, declaredBytes: verdict.declaredBytes },
      );
      this.listener.onRefused(refusal, err);
      this.destroy(err);
      return;
    }
    // Told first: mqtt.js may handle what is pushed before push returns.
    for (const s of verdict.skipped) this.listener.onSkipped(s, this.meter.maxPacketBytes);
    let more = true;
    for (const part of verdict.out) more = this.push(part) && more;
    if (!more) this.socket.pause();
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.socket.write(chunk, encoding)) done();
    else this.socket.once('drain', () => done());
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    done: (err?: Error | null) => void,
  ): void {
    this.socket.cork();
    let ok = true;
    for (const c of chunks) ok = this.socket.write(c.chunk, c.encoding);
    this.socket.uncork();
    if (ok) done();
    else this.socket.once('drain', () => done());
  }

  override _final(done: (err?: Error | null) => void): void {
    this.socket.end(() => done());
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.socket.destroy();
    done(err);
  }
}

type StreamBuilder = (client: MqttClient) => Duplex;

/**
 * mqtt.connect, with each stream it builds (its own TCP, TLS, WebSocket builder, chosen from the
 * URL and options as usual) wrapped in a MeteredSocket. mqtt.js takes no stream wrapper, so the
 * client is made with `manualConnect`, its builder wrapped, and only then connected; should a
 * version of mqtt.js keep its builder elsewhere, this throws rather than read unmetered.
 */
export function connectMetered(
  url: string,
  options: IClientOptions,
  maxPacketBytes: number,
  listener: MeterListener,
): MqttClient {
  const client = mqtt.connect(url, { ...options, manualConnect: true });
  const internals = client as unknown as { streamBuilder?: StreamBuilder };
  const build = internals.streamBuilder;
  if (typeof build !== 'function')
    throw new GatepostError(
      ErrorCode.UplinkFailed,
      'mqtt.js keeps no streamBuilder: the uplink cannot meter what the central broker sends',
    );
  internals.streamBuilder = (c) => new MeteredSocket(build(c), maxPacketBytes, listener);
  client.connect();
  return client;
}
