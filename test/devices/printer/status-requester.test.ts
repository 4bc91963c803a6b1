import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import type { StatusRequest } from '../../../devices/printer/printer-status.ts';
import { type StatusAnswer, StatusRequester } from '../../../devices/printer/status-requester.ts';

/**
 * One DLE EOT request on the line at a time, on a manual wire clock: which request a reply byte
 * answers is never in doubt, late replies still count, silence is declared at the end of the
 * late window, garbage and unsolicited bytes are told apart.
 */
function setup() {
  const wire = new ManualClock();
  const written: number[][] = [];
  const replies: { n: StatusRequest; byte: number; late: boolean }[] = [];
  const silent: StatusRequest[] = [];
  const discarded: { kind: string; bytes: number[] }[] = [];
  const requester = new StatusRequester({
    wire,
    write: async (bytes) => {
      written.push([...bytes]);
    },
    lateWindowMs: 400,
    onReply: (n, byte, late) => replies.push({ n, byte, late }),
    onSilent: (n) => silent.push(n),
    onDiscard: (kind, bytes) => discarded.push({ kind, bytes }),
  });
  return { wire, written, replies, silent, discarded, requester };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('StatusRequester', () => {
  it('sends the next request only once the previous one is answered', async () => {
    const { written, requester, replies } = setup();
    const first = requester.ask(1, 100);
    const second = requester.ask(2, 100);
    await settle();
    expect(written).toEqual([[0x10, 0x04, 0x01]]);
    requester.feed(Buffer.from([0x16]));
    expect(await first).toEqual({ ok: true, byte: 0x16 });
    await settle();
    expect(written).toEqual([
      [0x10, 0x04, 0x01],
      [0x10, 0x04, 0x02],
    ]);
    requester.feed(Buffer.from([0x12]));
    expect(await second).toEqual({ ok: true, byte: 0x12 });
    expect(replies).toEqual([
      { n: 1, byte: 0x16, late: false },
      { n: 2, byte: 0x12, late: false },
    ]);
  });

  it('a reply after the timeout is late but still taken, and the next request waited for it', async () => {
    const { wire, written, requester, replies, silent } = setup();
    let answer: StatusAnswer | undefined;
    void requester.ask(1, 100).then((a) => {
      answer = a;
    });
    const next = requester.ask(4, 100);
    await settle();
    await wire.advance(150);
    expect(answer).toEqual({ ok: false, reason: 'timeout' });
    expect(written).toHaveLength(1);
    requester.feed(Buffer.from([0x1a]));
    expect(replies).toEqual([{ n: 1, byte: 0x1a, late: true }]);
    await settle();
    expect(written.at(-1)).toEqual([0x10, 0x04, 0x04]);
    requester.feed(Buffer.from([0x7e]));
    expect(await next).toEqual({ ok: true, byte: 0x7e });
    expect(silent).toEqual([]);
  });

  it('no reply through the late window is silence; then the line is free again', async () => {
    const { wire, written, requester, silent } = setup();
    const first = requester.ask(2, 100);
    const second = requester.ask(1, 100);
    await settle();
    await wire.advance(100);
    expect(await first).toEqual({ ok: false, reason: 'timeout' });
    await wire.advance(399);
    expect(silent).toEqual([]);
    expect(written).toHaveLength(1);
    await wire.advance(1);
    expect(silent).toEqual([2]);
    await settle();
    expect(written).toHaveLength(2);
    requester.feed(Buffer.from([0x12]));
    expect(await second).toEqual({ ok: true, byte: 0x12 });
  });

  it('garbage while waiting is discarded and the request keeps waiting; bytes nobody asked for are unsolicited; XON/XOFF are dropped', async () => {
    const { requester, discarded } = setup();
    requester.feed(Buffer.from([0x12]));
    expect(discarded).toEqual([{ kind: 'unsolicited', bytes: [0x12] }]);
    const pending = requester.ask(1, 100);
    await settle();
    requester.feed(Buffer.from([0xff, 0x41, 0x11, 0x13]));
    expect(discarded.at(-1)).toEqual({ kind: 'garbage', bytes: [0xff, 0x41] });
    expect(requester.busy).toBe(true);
    requester.feed(Buffer.from([0x12]));
    expect(await pending).toEqual({ ok: true, byte: 0x12 });
    expect(discarded).toHaveLength(2);
  });

  it('a port going down fails what was asked and frees the line', async () => {
    const { requester, written } = setup();
    const first = requester.ask(1, 100);
    const second = requester.ask(2, 100);
    await settle();
    requester.reset();
    expect(await first).toEqual({ ok: false, reason: 'port' });
    await settle();
    expect(written).toHaveLength(2);
    requester.reset();
    expect(await second).toEqual({ ok: false, reason: 'port' });
  });
});
