/**
 * Walks the fields of one CONNECT, PUBLISH, SUBSCRIBE or UNSUBSCRIBE body as its bytes stream in
 * (for the packet guard, ahead of the MQTT parser), and checks what the parser would let through:
 *
 * - every UTF-8 string (client id, will topic, user name, topic name, topic filter) is well-formed
 *   UTF-8 on its raw bytes: no overlong form, no surrogate (U+D800..U+DFFF), nothing above
 *   U+10FFFF, no truncated sequence [MQTT-1.5.3-1], and no U+0000 [MQTT-1.5.3-2]. The parser
 *   decodes leniently (an overlong NUL `C0 80` becomes U+FFFD), so after it a check cannot tell;
 * - a CONNECT's will QoS is 0, 1 or 2 [MQTT-3.1.2-14], and with no will its will QoS and will
 *   retain are 0 [MQTT-3.1.2-13, -15];
 * - a SUBSCRIBE or UNSUBSCRIBE holds at least one filter [MQTT-3.8.3-3, MQTT-3.10.3-2].
 *
 * Its state is a few numbers whatever the input (strings are checked byte by byte, never kept).
 * A body that ends inside a field is left to the parser, which refuses it.
 */
export type FieldRefusal = 'malformed-utf8' | 'connect-flags' | 'no-filters';
export type FieldVerdict = { reason: FieldRefusal; detail: string } | undefined;

type Step =
  /** A big-endian integer of 1 or 2 bytes, handed to `check`. */
  | { kind: 'int'; size: 1 | 2; check?: (value: number) => FieldVerdict }
  /** A 2-byte length, then that many bytes of UTF-8. */
  | { kind: 'text'; what: string }
  /** A 2-byte length, then that many bytes not looked at. */
  | { kind: 'bytes' }
  /** The rest of the body, not looked at. */
  | { kind: 'rest' };

const CONNECT = 1;
const PUBLISH = 3;
const SUBSCRIBE = 8;
const UNSUBSCRIBE = 10;

/** The packet types whose bodies hold UTF-8 strings. */
export function hasFields(type: number): boolean {
  return type === CONNECT || type === PUBLISH || type === SUBSCRIBE || type === UNSUBSCRIBE;
}

export class PacketFields {
  private readonly steps: Step[] = [];
  private at = 0;
  /** Within the current step: bytes of its integer or length prefix still to read. */
  private prefixLeft = 0;
  private value = 0;
  /** Bytes of the current text or bytes field still to read (after its length prefix). */
  private dataLeft = 0;
  private inData = false;
  private readonly utf8 = new Utf8Check();
  private filters = 0;

  constructor(private readonly type: number) {
    if (type === CONNECT) {
      this.steps.push(
        { kind: 'bytes' }, // protocol name: the guard and the parser check it
        { kind: 'int', size: 1 }, // protocol level: read by the guard
        { kind: 'int', size: 1, check: (flags) => this.connectFlags(flags) },
      );
    } else if (type === PUBLISH) {
      this.steps.push({ kind: 'text', what: 'topic name' }, { kind: 'rest' });
    } else {
      this.steps.push({ kind: 'int', size: 2 }); // packet identifier
    }
    this.enter();
  }

  /** Reads body bytes `chunk[from, to)`; a refusal once a field breaks a rule. */
  feed(chunk: Uint8Array, from: number, to: number): FieldVerdict {
    let i = from;
    while (i < to) {
      let step = this.steps[this.at];
      if (!step) {
        this.more();
        step = this.steps[this.at];
        if (!step) return undefined;
      }
      if (step.kind === 'rest') return undefined;
      if (!this.inData) {
        this.value = this.value * 256 + (chunk[i++] ?? 0);
        if (--this.prefixLeft > 0) continue;
        if (step.kind === 'int') {
          const refused = step.check?.(this.value);
          if (refused) return refused;
          this.next();
          continue;
        }
        this.dataLeft = this.value;
        this.inData = true;
        if (step.kind === 'text') this.utf8.reset();
      } else {
        const n = Math.min(this.dataLeft, to - i);
        if (step.kind === 'text') {
          const bad = this.utf8.feed(chunk, i, i + n);
          if (bad) return { reason: 'malformed-utf8', detail: `${step.what}: ${bad}` };
        }
        i += n;
        this.dataLeft -= n;
      }
      if (this.dataLeft === 0) {
        if (step.kind === 'text' && !this.utf8.complete()) {
          return { reason: 'malformed-utf8', detail: `${step.what}: truncated UTF-8 sequence` };
        }
        this.next();
      }
    }
    return undefined;
  }

  /** The body has ended. */
  end(): FieldVerdict {
    if ((this.type === SUBSCRIBE || this.type === UNSUBSCRIBE) && this.filters === 0) {
      const what = this.type === SUBSCRIBE ? 'SUBSCRIBE' : 'UNSUBSCRIBE';
      return { reason: 'no-filters', detail: `${what} with no topic filter` };
    }
    return undefined;
  }

  /** A SUBSCRIBE or UNSUBSCRIBE goes on: one more filter (and its QoS byte). */
  private more(): void {
    if (this.type === SUBSCRIBE) {
      this.steps.push({ kind: 'text', what: 'topic filter' }, { kind: 'int', size: 1 });
    } else if (this.type === UNSUBSCRIBE) {
      this.steps.push({ kind: 'text', what: 'topic filter' });
    } else {
      this.steps.push({ kind: 'rest' });
    }
    // Steps already walked are not kept: the state stays a few entries long however many filters.
    this.steps.splice(0, this.at);
    this.at = 0;
    this.filters++;
    this.enter();
  }

  private connectFlags(flags: number): FieldVerdict {
    const will = (flags & 0x04) !== 0;
    const qos = (flags >> 3) & 0x03;
    const retain = (flags & 0x20) !== 0;
    if (qos === 3) return { reason: 'connect-flags', detail: 'will QoS 3' };
    if (!will && (qos !== 0 || retain)) {
      return { reason: 'connect-flags', detail: 'will QoS or will retain set without a will' };
    }
    this.steps.push({ kind: 'int', size: 2 }, { kind: 'text', what: 'client id' }); // keep-alive, client id
    if (will) this.steps.push({ kind: 'text', what: 'will topic' }, { kind: 'bytes' });
    if (flags & 0x80) this.steps.push({ kind: 'text', what: 'user name' });
    if (flags & 0x40) this.steps.push({ kind: 'bytes' }); // password: binary
    this.steps.push({ kind: 'rest' });
    return undefined;
  }

  private next(): void {
    this.at++;
    this.enter();
  }

  private enter(): void {
    const step = this.steps[this.at];
    this.inData = false;
    this.value = 0;
    this.dataLeft = 0;
    this.prefixLeft = step?.kind === 'int' ? step.size : 2;
  }
}

/**
 * Well-formed UTF-8 (Unicode 15, table 3-7), fed in pieces, and no U+0000: the bytes a
 * `TextDecoder('utf-8', { fatal: true })` would accept, checked without decoding or keeping them.
 */
export class Utf8Check {
  /** Continuation bytes still expected in the current sequence. */
  private need = 0;
  /** The range allowed for the next continuation byte (narrower right after some lead bytes). */
  private lo = 0x80;
  private hi = 0xbf;

  reset(): void {
    this.need = 0;
    this.lo = 0x80;
    this.hi = 0xbf;
  }

  complete(): boolean {
    return this.need === 0;
  }

  /** What is wrong with `bytes[from, to)` following what came before, or undefined. */
  feed(bytes: Uint8Array, from: number, to: number): string | undefined {
    for (let i = from; i < to; i++) {
      const b = bytes[i] ?? 0;
      if (this.need > 0) {
        if (b < this.lo || b > this.hi) return `bad UTF-8 byte 0x${hex(b)}`;
        this.need--;
        this.lo = 0x80;
        this.hi = 0xbf;
        continue;
      }
      if (b === 0x00) return 'U+0000';
      if (b < 0x80) continue;
      if (b >= 0xc2 && b <= 0xdf) this.need = 1;
      else if (b === 0xe0) [this.need, this.lo] = [2, 0xa0];
      else if (b === 0xed) [this.need, this.hi] = [2, 0x9f];
      else if (b >= 0xe1 && b <= 0xef) this.need = 2;
      else if (b === 0xf0) [this.need, this.lo] = [3, 0x90];
      else if (b === 0xf4) [this.need, this.hi] = [3, 0x8f];
      else if (b >= 0xf1 && b <= 0xf3) this.need = 3;
      else return `bad UTF-8 byte 0x${hex(b)}`;
    }
    return undefined;
  }
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
