import { describe, expect, it } from 'vitest';
import { StreamSender } from '../../gateway/uplink/stream-sender.ts';

describe('StreamSender', () => {
  it('moves the cursor only over an unbroken run of PUBACKs', () => {
    const s = new StreamSender('yard', 10, 20, 10);
    expect(s.next).toBe(11);
    expect(s.inBacklog).toBe(true); // committed before the connection came up
    for (const seq of [11, 12, 13, 14]) s.sent(seq, true);
    expect(s.ack(12)).toEqual({ moved: 0, backlog: true });
    expect(s.delivered).toBe(10);
    expect(s.ack(11)).toEqual({ moved: 2, backlog: true });
    expect(s.delivered).toBe(12);
    expect(s.ack(12)).toBeUndefined(); // already folded
    expect(s.ack(99)).toBeUndefined(); // never sent
    expect(s.pending).toBe(8);
    expect(s.inFlight).toBe(2);
  });

  it('rewinds to the cursor when the connection is lost, so what was in flight goes again', () => {
    const s = new StreamSender('lane/east-1', 0, 5, 5);
    for (const seq of [1, 2, 3]) s.sent(seq, false);
    s.ack(1);
    s.ack(3);
    s.rewind();
    expect(s.next).toBe(2);
    expect(s.inFlight).toBe(0);
    expect(s.delivered).toBe(1);
    expect(s.hasWork).toBe(true);
  });

  it('tells live from backlog by the seq at which the connection came up', () => {
    const s = new StreamSender('gateway', 0, 0, 0);
    expect(s.inBacklog).toBe(false);
    s.committed = 3;
    expect(s.inBacklog).toBe(false); // committed while connected: live
    s.liveFrom = 4; // a new connection: 1..3 are now backlog
    expect(s.inBacklog).toBe(true);
  });

  it('keeps memory flat over a long run of in-order PUBACKs', () => {
    const s = new StreamSender('yard', 0, 100_000, 100_000);
    for (let seq = 1; seq <= 100_000; seq++) {
      s.sent(seq, false);
      s.ack(seq);
    }
    expect(s.delivered).toBe(100_000);
    expect(s.inFlight).toBe(0);
    expect(s.pending).toBe(0);
  });
});
