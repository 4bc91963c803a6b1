import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import type { DeviceErrorEvent, ScanEvent } from '../../../devices/events.ts';
import { ScannerConfigSchema } from '../../../devices/scanner/config.ts';
import { createScannerDriver } from '../../../devices/scanner/driver.ts';
import { InProcessSerialHub } from '../../../devices/serial/in-process-hub.ts';

/**
 * A USB CDC-ACM scanner (virtual COM port) does not pace its bytes at a baud rate: a code comes
 * as bulk packets of up to 64 bytes, each read as one chunk, with the gaps between them the host
 * controller's scheduling gives (a USB full-speed frame is 1 ms; 1-8 ms between packets is
 * usual). The serial driver must read such a code whole, whatever baud rate the port is set to
 * (the line coding of a CDC-ACM port is only a number), and still cut a code that really pauses.
 */
const CODE = `HC1:${'6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N IOP-IA%NFQGRJPC%OQHIZC4.OI1RM8ZA'.repeat(7)}`;

async function feedInPackets(
  baudRate: number,
  gapsMs: number[],
  pauseAfterPacket?: { index: number; ms: number },
) {
  const clock = new ManualClock();
  const hub = new InProcessSerialHub();
  const device = hub.plug('/dev/ttyACM0');
  const config = ScannerConfigSchema.parse({ port: { path: '/dev/ttyACM0', baudRate } });
  const driver = createScannerDriver({ config, opener: hub, clock, log: silentLogger() });
  const codes: ScanEvent[] = [];
  const errors: DeviceErrorEvent[] = [];
  driver.on('code', (e) => codes.push(e));
  driver.on('error', (e) => errors.push(e));
  driver.start();
  await clock.advance(0);
  const bytes = Buffer.from(`${CODE}\r`);
  let packet = 0;
  for (let i = 0; i < bytes.length; i += 64, packet++) {
    await device.write(bytes.subarray(i, i + 64));
    await clock.advance(gapsMs[packet % gapsMs.length] as number);
    if (pauseAfterPacket?.index === packet) await clock.advance(pauseAfterPacket.ms);
  }
  await clock.advance(2000);
  await driver.stop();
  return { codes, errors };
}

describe('serial scanner on USB CDC-ACM: 64-byte bursts', () => {
  it.each([9600, 115200])(
    'reads a %i-baud code sent as back-to-back 64-byte packets 1-8 ms apart',
    async (baud) => {
      expect(CODE.length).toBeGreaterThan(500); // 9 packets
      for (const gaps of [[0], [1], [1, 1, 8], [8]]) {
        const { codes, errors } = await feedInPackets(baud, gaps);
        expect(errors).toEqual([]);
        expect(codes.map((c) => c.code)).toEqual([CODE]);
      }
    },
  );

  it('still cuts a code whose packets pause longer than the gap rule (plus the chunk the baud rate back-dates)', async () => {
    // At 115200 baud a 64-byte chunk is back-dated 5.5 ms: a 150 ms pause is a cut.
    const { codes, errors } = await feedInPackets(115200, [1], { index: 3, ms: 150 });
    expect(codes).toEqual([]);
    expect(errors.map((e) => e.errorCode)).toEqual([ErrorCode.CodeTruncated]);
  });
});
