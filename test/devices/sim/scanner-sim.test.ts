import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import type { DeviceErrorEvent, ScanEvent } from '../../../devices/events.ts';
import { ScannerConfigSchema } from '../../../devices/scanner/config.ts';
import { createScannerDriver } from '../../../devices/scanner/driver.ts';
import { SerialPortOpener } from '../../../devices/serial/serialport-opener.ts';
import { SimScanner } from '../../../sim/devices/scanner/scanner.ts';
import { simDeviceOnPty } from '../support/sim-device-on-pty.ts';
import { sleep, until } from '../support/wait.ts';

/** The scanner driver against the simulated scanner (sim/) over real PTYs, paced at 9600 baud. */
describe('scanner driver against the simulated scanner over a PTY', () => {
  const rig = simDeviceOnPty('scanner');

  async function setup(overrides: Record<string, unknown> = {}) {
    const { path, attachment } = rig.open();
    // A longer gap than the default 100 ms: a starved socat on a busy test machine must not look
    // like a pause inside a code. The rule itself is the same (unit tests: 100 ms).
    const config = ScannerConfigSchema.parse({
      port: { path: path('scanner') },
      interByteGapMs: 300,
      ...overrides,
    });
    const sim = await rig.startSim(new SimScanner(config, attachment));
    const driver = createScannerDriver({
      config,
      opener: new SerialPortOpener(),
      clock: systemClock,
      log: silentLogger(),
    });
    const codes: ScanEvent[] = [];
    const errors: DeviceErrorEvent[] = [];
    driver.on('code', (e) => codes.push(e));
    driver.on('error', (e) => errors.push(e));
    await rig.startDriver(driver, 'scanner');
    return { driver, sim, codes, errors };
  }

  it('reads codes of every size up to the cap, in order, with STX/ETX and CRLF framing too', async () => {
    for (const [framing, longest] of [
      [{}, 300],
      [{ stxEtx: true, terminator: 'CRLF' }, 4096], // the cap counts the code alone
    ] as const) {
      const t = await setup(framing);
      const codes = ['GP1:eyJhbGciOiJFZERTQSJ9.x.y', '晋D12345', `HC1:${'A'.repeat(longest - 4)}`];
      for (const c of codes) await t.sim.present(c);
      await until(() => t.codes.length + t.errors.length >= codes.length, 20_000, 'all codes');
      expect(t.errors).toEqual([]);
      expect(t.codes.map((c) => c.code)).toEqual(codes);
      await rig.stop();
    }
  });

  it('survives noise, an overlong code and a cut-off code, and reads the next good code', async () => {
    const t = await setup();
    // Each bad input is a burst of its own (a frame right behind a bad one is babble, one error).
    await t.sim.sendRaw(Buffer.from([0x00, 0xff, 0xfe, 0x0d])); // noise with NUL, then CR
    await sleep(400);
    await t.sim.sendRaw(Buffer.from(`GP1:${'z'.repeat(5000)}\r`)); // over the cap
    await sleep(400);
    await t.sim.sendRaw(Buffer.from('HC1:cut-off-'));
    // Longer than the resync silence (1 s): the next code is not taken as the cut code's tail.
    await sleep(1200);
    await t.sim.present('GP1:good');
    await until(() => t.codes.length === 1, 10_000, 'the good code');
    expect(t.codes[0]?.code).toBe('GP1:good');
    expect(t.errors.map((e) => e.errorCode)).toEqual([
      ErrorCode.CodeHasNul,
      ErrorCode.CodeTooLong,
      ErrorCode.CodeTruncated,
    ]);
    expect(t.driver.counters().discardedBytes).toBe(3 + 5004 + 12);
  });

  it('reads again within 2 s of the scanner being plugged back in', async () => {
    const t = await setup();
    await t.sim.unplug();
    await until(() => t.driver.health === 'offline', 2000, 'offline');
    await sleep(1500);
    await t.sim.replug();
    const back = Date.now();
    await until(() => t.driver.health === 'online', 3000, 'online again');
    expect(Date.now() - back).toBeLessThan(2000);
    await t.sim.present('after-replug');
    await until(() => t.codes.length === 1, 2000, 'code after replug');
    expect(t.codes[0]?.code).toBe('after-replug');
  });
});
