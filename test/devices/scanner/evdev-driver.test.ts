import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import type { DeviceErrorEvent, HealthEvent, ScanEvent } from '../../../devices/events.ts';
import type { ScannerDriver } from '../../../devices/scanner/driver.ts';
import { EvdevScannerConfigSchema } from '../../../devices/scanner/evdev-config.ts';
import { createEvdevScannerDriver } from '../../../devices/scanner/evdev-driver.ts';
import { SimWedgeScanner } from '../../../sim/devices/scanner/wedge-scanner.ts';
import { makeTempDir, removeTempDirs } from '../../support/tmp.ts';
import { sleep, until } from '../support/wait.ts';

const HC1 =
  'HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N IOP-IA%NFQGRJPC%OQHIZC4.OI1RM8ZA.A5:S9MKN4NN3F85QNCY0O%0VZ001HOC9JU0D0HT0HB2PL/IB*09B9LW4T*8+DCMH0LDK2%K:XFE70*LP$V25$0Q:J:4MO1P0%0L0HD+9E/HY+4J6TH48S%4K.GJ2PT3QY:GQ3TE2I+-CPHN6D7LLK*2HG%89UV-0LZ 2ZJJ524-LH/CJTK96L6SR9MU9DHGZ%P WUQRENS431T1XCNCF+47AY0-IFO0500TGPN8F5G.41Q2E4T8ALW.INSV$ 07UV5SR+BNQHNML7 /KD3TU 4V*CAT3ZGLQMI/XI%ZJNSBBXK2:UG%UJMI:TU+MMPZ5$/PMX19UE:-PSR3/$NU44CBE6DQ3D7B0FBOFX0DV2DGMB$YPF62I$60/F$Z2I6IFX21XNI-LM%3/DF/U6Z9FEOJVRLVW6K$UG+BKK57:1+D10%4K83F+1VWD1NE';
const log = silentLogger();
const drivers: ScannerDriver[] = [];
const sims: SimWedgeScanner[] = [];

afterEach(async () => {
  for (const d of drivers.splice(0)) await d.stop();
  for (const s of sims.splice(0)) await s.stop();
  await removeTempDirs();
});

async function setUp(overrides: Record<string, unknown> = {}) {
  const dir = await makeTempDir();
  // A wide gap unless a test is about it: a starved simulator's pause is a real cut.
  const config = EvdevScannerConfigSchema.parse({
    kind: 'evdev',
    path: `${dir}/usb-Scanner-event-kbd`,
    interByteGapMs: 1000,
    resyncSilenceMs: 1000,
    ...overrides,
  });
  const sim = new SimWedgeScanner(config, { keyIntervalMs: 1 });
  sims.push(sim);
  await sim.start();
  const driver = createEvdevScannerDriver({
    config,
    clock: systemClock,
    log,
    reconnect: { initialMs: 20, maxMs: 100 },
  });
  drivers.push(driver);
  const codes: ScanEvent[] = [];
  const errors: DeviceErrorEvent[] = [];
  const health: HealthEvent[] = [];
  driver.on('code', (e) => codes.push(e));
  driver.on('error', (e) => errors.push(e));
  driver.on('health', (e) => health.push(e));
  driver.start();
  await until(() => driver.health === 'online', 3000, 'scanner online');
  return { sim, driver, codes, errors, health, config };
}

describe('keyboard-wedge scanner driver (kind: evdev) on the simulated scanner FIFO', () => {
  it('reads a scanned HC1 pass (base45: $%*+: typed with Shift) as one code', async () => {
    const { sim, codes, errors } = await setUp();
    await sim.present(HC1);
    await until(() => codes.length === 1, 5000, 'code');
    expect(codes[0]?.code).toBe(HC1);
    expect(codes[0]?.bytes).toBe(HC1.length);
    expect(errors).toEqual([]);
  });

  it('a pause longer than interByteGapMs inside a code cuts it off: CodeTruncated, the next code reads', async () => {
    const { sim, codes, errors } = await setUp({ interByteGapMs: 100, resyncSilenceMs: 1000 });
    await sim.sendRaw(Buffer.from('GP1:eyJhbGciOi'));
    await sleep(300);
    await sim.sendRaw(Buffer.from('JFZERTQSJ9.x.y\r'));
    await until(() => errors.length === 1, 3000, 'truncated error');
    expect(errors[0]).toMatchObject({ errorCode: ErrorCode.CodeTruncated, kind: 'truncated' });
    await sleep(1100); // the resync silence: what comes sooner would be taken for the tail
    await sim.present('GP1:abc.def.ghi');
    await until(() => codes.length === 1, 3000, 'next code');
    expect(codes[0]?.code).toBe('GP1:abc.def.ghi');
  });

  it('untypable keys (a control byte sent by the scanner) make the code implausible, not a scan', async () => {
    const { sim, codes, errors } = await setUp();
    await sim.sendRaw(Buffer.from('HC1:ABC\tDEF\r'));
    await until(() => errors.length === 1, 3000, 'implausible');
    expect(errors[0]).toMatchObject({ errorCode: ErrorCode.CodeImplausible });
    expect(codes).toEqual([]);
  });

  it('unplugged (writer closed, FIFO removed): a device error, offline, reopened with backoff, reads again', async () => {
    const { sim, driver, codes, errors, health } = await setUp();
    await sim.unplug();
    await until(() => driver.health === 'offline', 3000, 'offline');
    expect(errors[0]).toMatchObject({ errorCode: ErrorCode.PortClosed, kind: 'device-lost' });
    expect(health.at(-1)?.reason).toMatch(/device lost: end of stream/);
    await sleep(300); // several reopen attempts fail meanwhile: reported once
    expect(errors).toHaveLength(1);
    await sim.replug();
    await until(() => driver.health === 'online', 3000, 'back online');
    await sim.present('HC1:NCFOXN%TS3DH');
    await until(() => codes.length === 1, 3000, 'code after replug');
    expect(codes[0]?.code).toBe('HC1:NCFOXN%TS3DH');
    expect(driver.counters()).toMatchObject({ opens: 2, losses: 1, frames: 1 });
  });

  it('the FIFO deleted while its writer stays open: found gone by its path', async () => {
    const { sim, driver, errors } = await setUp();
    const { rm } = await import('node:fs/promises');
    await rm(sim.path);
    await until(() => driver.health === 'offline', 4000, 'offline after delete');
    expect(errors[0]?.message).toMatch(/the device path is gone/);
  });

  it('a device that never appears: one PortOpenFailed, offline, no crash', async () => {
    const dir = await makeTempDir();
    const config = EvdevScannerConfigSchema.parse({ kind: 'evdev', path: `${dir}/absent-event-kbd` });
    const driver = createEvdevScannerDriver({
      config,
      clock: systemClock,
      log,
      reconnect: { initialMs: 10, maxMs: 20 },
    });
    drivers.push(driver);
    const errors: DeviceErrorEvent[] = [];
    driver.on('error', (e) => errors.push(e));
    driver.start();
    await until(() => errors.length > 0, 2000, 'open error');
    await sleep(200);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ errorCode: ErrorCode.PortOpenFailed, kind: 'open-failed' });
    expect(errors[0]?.message).toMatch(/ENOENT/);
    expect(driver.health).toBe('offline');
  });
});

describe('exclusive grab (EVIOCGRAB)', () => {
  it('says clearly when the device cannot be grabbed: InputNotGrabbed and degraded health', async () => {
    // /dev/zero: a character device that reads (as EV_SYN records, ignored) but is no input device.
    const config = EvdevScannerConfigSchema.parse({ kind: 'evdev', path: '/dev/zero', pollMs: 20 });
    const driver = createEvdevScannerDriver({ config, clock: systemClock, log });
    drivers.push(driver);
    const errors: DeviceErrorEvent[] = [];
    driver.on('error', (e) => errors.push(e));
    driver.start();
    await until(() => errors.length > 0, 3000, 'grab error');
    expect(errors[0]).toMatchObject({ errorCode: ErrorCode.InputNotGrabbed, kind: 'not-grabbed' });
    expect(errors[0]?.message).toMatch(/EVIOCGRAB failed: ENOTTY/);
    await until(() => driver.health === 'degraded', 2000, 'degraded');
  });
});
