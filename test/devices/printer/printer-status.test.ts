import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blockingFault,
  isStatusByte,
  parseStatusReply,
  statusRequestBytes,
  toPrinterStatus,
} from '../../../devices/printer/printer-status.ts';

/**
 * DLE EOT replies as a printer sends them (Epson ESC/POS command reference, DLE EOT:
 * https://download4.epson.biz/sec_pubs/pos/reference_en/escpos/dle_eot.html). Every reply has
 * bits 1 and 4 set and bits 0 and 7 clear: 0x12 is "nothing to report". The bytes below are the
 * patterns of a TM-T88-class printer: idle with the drawer sensor high (0x16), offline (0x1a),
 * cover open (0x16 as n = 2), stopped at paper end (0x32), error (0x52), near end (0x1e),
 * paper end (0x72), both (0x7e).
 */
describe('DLE EOT requests and replies', () => {
  it('asks with DLE EOT n = 10 04 n', () => {
    expect([...statusRequestBytes(1)]).toEqual([0x10, 0x04, 0x01]);
    expect([...statusRequestBytes(2)]).toEqual([0x10, 0x04, 0x02]);
    expect([...statusRequestBytes(4)]).toEqual([0x10, 0x04, 0x04]);
  });

  it('reads the printer status (n = 1): bit 3 offline', () => {
    expect(parseStatusReply(1, 0x12)).toEqual({ ok: true, n: 1, bits: { offline: false } });
    expect(parseStatusReply(1, 0x16)).toEqual({ ok: true, n: 1, bits: { offline: false } });
    expect(parseStatusReply(1, 0x1a)).toEqual({ ok: true, n: 1, bits: { offline: true } });
  });

  it('reads the offline cause (n = 2): cover open bit 2, paper end stop bit 5, error bit 6', () => {
    const none = { coverOpen: false, feedButton: false, paperEndStop: false, error: false };
    expect(parseStatusReply(2, 0x12)).toEqual({ ok: true, n: 2, bits: none });
    expect(parseStatusReply(2, 0x16)).toEqual({ ok: true, n: 2, bits: { ...none, coverOpen: true } });
    expect(parseStatusReply(2, 0x1a)).toEqual({ ok: true, n: 2, bits: { ...none, feedButton: true } });
    expect(parseStatusReply(2, 0x32)).toEqual({ ok: true, n: 2, bits: { ...none, paperEndStop: true } });
    expect(parseStatusReply(2, 0x52)).toEqual({ ok: true, n: 2, bits: { ...none, error: true } });
  });

  it('reads the roll paper sensor (n = 4): near end bits 2+3, paper end bits 5+6', () => {
    expect(parseStatusReply(4, 0x12)).toEqual({ ok: true, n: 4, bits: { nearEnd: false, paperEnd: false } });
    expect(parseStatusReply(4, 0x1e)).toEqual({ ok: true, n: 4, bits: { nearEnd: true, paperEnd: false } });
    expect(parseStatusReply(4, 0x72)).toEqual({ ok: true, n: 4, bits: { nearEnd: false, paperEnd: true } });
    expect(parseStatusReply(4, 0x7e)).toEqual({ ok: true, n: 4, bits: { nearEnd: true, paperEnd: true } });
  });

  it('refuses any byte without the fixed bits as garbage: XON, XOFF, ASCII, 0xff, 0x00', () => {
    for (const byte of [0x00, 0x11, 0x13, 0x02, 0x10, 0x13, 0x41, 0x92, 0xff, 0x1b, 0x0a, 0x33]) {
      for (const n of [1, 2, 4] as const) {
        const r = parseStatusReply(n, byte);
        expect(r.ok, `0x${byte.toString(16)}`).toBe(false);
        if (!r.ok) expect(r.message).toMatch(/no DLE EOT/);
      }
    }
  });

  it('exactly the 16 bytes with bits 1, 4 set and 0, 7 clear are status bytes', () => {
    const valid = Array.from({ length: 256 }, (_, b) => b).filter(isStatusByte);
    expect(valid).toHaveLength(16);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), (b) => {
        expect(isStatusByte(b)).toBe(
          (b & 0x02) !== 0 && (b & 0x10) !== 0 && (b & 0x01) === 0 && (b & 0x80) === 0,
        );
      }),
    );
  });
});

describe('PrinterStatus from a round of replies', () => {
  const at = 1_700_000_000_000;
  const round = (p: number, c: number, s: number) => {
    const a = parseStatusReply(1, p);
    const b = parseStatusReply(2, c);
    const d = parseStatusReply(4, s);
    if (!(a.ok && a.n === 1 && b.ok && b.n === 2 && d.ok && d.n === 4)) throw new Error('bad fixture');
    return { printer: a.bits, offlineCause: b.bits, paper: d.bits };
  };

  it('a ready printer', () => {
    const s = toPrinterStatus(round(0x16, 0x12, 0x12), at);
    expect(s).toEqual({
      online: true,
      paperOut: false,
      paperNearEnd: false,
      coverOpen: false,
      error: false,
      at,
    });
    expect(blockingFault(s, false)).toBeUndefined();
  });

  it('out of paper: offline, stopped at paper end, paper end and near end (0x1a, 0x32, 0x7e)', () => {
    const r = round(0x1a, 0x32, 0x7e);
    const s = toPrinterStatus(r, at);
    expect(s).toMatchObject({ online: true, paperOut: true, paperNearEnd: true, coverOpen: false });
    expect(blockingFault(s, r.printer.offline)?.reason).toBe('paper-out');
  });

  it('cover open (0x1a, 0x16, 0x12)', () => {
    const r = round(0x1a, 0x16, 0x12);
    const s = toPrinterStatus(r, at);
    expect(s).toMatchObject({ coverOpen: true, paperOut: false });
    expect(blockingFault(s, r.printer.offline)?.reason).toBe('cover-open');
  });

  it('an error (0x1a, 0x52, 0x12) and an offline printer with no cause given', () => {
    const e = round(0x1a, 0x52, 0x12);
    expect(blockingFault(toPrinterStatus(e, at), true)?.reason).toBe('error');
    const o = round(0x1a, 0x12, 0x12);
    expect(blockingFault(toPrinterStatus(o, at), true)?.reason).toBe('offline');
  });

  it('a late single reply keeps what the round did not bring from the previous status', () => {
    const previous = toPrinterStatus(round(0x12, 0x16, 0x1e), at);
    const paperBack = parseStatusReply(4, 0x12);
    if (!paperBack.ok || paperBack.n !== 4) throw new Error('bad fixture');
    const s = toPrinterStatus({ paper: paperBack.bits }, at + 1, previous);
    expect(s).toMatchObject({
      online: true,
      coverOpen: true,
      paperNearEnd: false,
      paperOut: false,
      at: at + 1,
    });
  });
});
