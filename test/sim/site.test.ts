import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { ErrorCode, isGatepostError } from '../../core/errors.ts';
import { RemoteGpioChip } from '../../devices/gpio/remote-chip.ts';
import { VirtualGpioChip } from '../../devices/gpio/virtual-chip.ts';
import { withCrc } from '../../devices/modbus/crc.ts';
import { liveSocatPids } from '../../sim/attach/socat.ts';
import { SimGpioBarrier } from '../../sim/devices/barrier/gpio-barrier.ts';
import { SimSerialBarrier } from '../../sim/devices/barrier/serial-barrier.ts';
import { SimulatedSite } from '../../sim/site.ts';
import { loadConfigFile } from '../../site-config/load.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import { RawModbusMaster } from '../support/modbus-host.ts';
import { isProcessAlive } from '../support/pty.ts';
import { ByteRecorder, format8N1, openHostEnd } from '../support/recorder.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

const DEMO = new URL('../../config/demo.yaml', import.meta.url).pathname;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await removeTempDirs();
});

/** Every serial port path of a config. */
function serialPaths(cfg: SiteConfig): string[] {
  const lanes = [...cfg.checkpoints.flatMap((c) => c.lanes), ...cfg.yard.exitLanes];
  const out: string[] = [];
  for (const l of lanes) {
    out.push(l.devices.scanner.kind === 'evdev' ? l.devices.scanner.path : l.devices.scanner.port.path);
    if (l.devices.thermometer) out.push(l.devices.thermometer.port.path);
    if (l.devices.barrier.kind === 'serial') out.push(l.devices.barrier.port.path);
  }
  for (const b of cfg.yard.baySensorBuses) out.push(b.port.path);
  for (const p of cfg.printers) out.push(p.path);
  return out;
}

/** The demo config with every serial path moved into `dir`. */
function demoIn(dir: string): SiteConfig {
  const cfg = loadConfigFile(DEMO);
  const move = (port: { path: string }) => {
    port.path = join(dir, basename(port.path));
  };
  for (const l of [...cfg.checkpoints.flatMap((c) => c.lanes), ...cfg.yard.exitLanes]) {
    move(l.devices.scanner.kind === 'evdev' ? l.devices.scanner : l.devices.scanner.port);
    if (l.devices.thermometer) move(l.devices.thermometer.port);
    if (l.devices.barrier.kind === 'serial') move(l.devices.barrier.port);
  }
  for (const b of cfg.yard.baySensorBuses) move(b.port);
  for (const p of cfg.printers) move(p);
  return cfg;
}

function isolatedChips() {
  const chips = new Map<string, VirtualGpioChip>();
  return (name: string) => {
    const c = chips.get(name) ?? new VirtualGpioChip(name);
    chips.set(name, c);
    return c;
  };
}

describe('SimulatedSite from config/demo.yaml', () => {
  it('builds every device of the config and looks them up by lane id and bay label', () => {
    const cfg = loadConfigFile(DEMO);
    const site = new SimulatedSite(cfg, {
      attach: 'in-process',
      clock: new ManualClock(),
      gpioChip: isolatedChips(),
    });
    const laneIds = [...cfg.checkpoints.flatMap((c) => c.lanes), ...cfg.yard.exitLanes].map((l) => l.id);
    expect([...site.lanes.keys()]).toEqual(laneIds);
    expect(site.lane('east-2').barrier).toBeInstanceOf(SimSerialBarrier);
    expect(site.lane('east-1').barrier).toBeInstanceOf(SimGpioBarrier);
    expect(site.lane('yard-exit').thermometer).toBeUndefined();
    expect(site.lane('west-1').thermometer?.config.slaveAddress).toBe(1);

    const sensorCount = cfg.yard.baySensorBuses
      .flatMap((b) => b.sensors)
      .reduce((n, r) => n + r.toBay - r.fromBay + 1, 0);
    expect(sensorCount).toBe(1200);
    expect(site.bayLabels().length).toBe(sensorCount);
    expect(site.buses.size).toBe(6);
    expect(site.bay('P-0412').address).toBe(12); // bus-3 starts at P-0401, address 1
    expect(site.busOf('P-0412').id).toBe('bus-3');
    expect(site.bay('I-0001').address).toBe(101);
    expect(site.devices().length).toBe(laneIds.length * 2 + 4 + 6 + cfg.printers.length);

    for (const lookup of [() => site.lane('north-9'), () => site.bay('Z-0001')]) {
      try {
        lookup();
        expect.unreachable();
      } catch (e) {
        expect(isGatepostError(e, ErrorCode.NotFound)).toBe(true);
      }
    }
  });

  it('in-process: plugs every serial device into the hub; a host reads a bay sensor; stop unplugs all', async () => {
    const cfg = loadConfigFile(DEMO);
    const site = new SimulatedSite(cfg, {
      attach: 'in-process',
      clock: new ManualClock(),
      gpioChip: isolatedChips(),
    });
    await site.start();
    closers.push(() => site.stop());
    const hub = site.hub;
    expect(hub).toBeDefined();
    for (const p of serialPaths(cfg)) expect(hub?.isPlugged(p)).toBe(true);

    site.busOf('H-0150').occupy('H-0150', 140);
    const master = new RawModbusMaster(await hub!.open(site.busOf('H-0150').config.port));
    const { reply } = await master.request(withCrc(Buffer.from([150, 0x04, 0, 0, 0, 2])));
    expect([reply.readUInt16BE(3), reply.readUInt16BE(5)]).toEqual([1, 140]);

    // GPIO barriers sit on the named virtual chip at the configured lines.
    const chip = site.gpioChips().get('virtual');
    expect(chip?.level(13)).toBe(1); // east-1 limitClosed
    site.lane('east-1').barrier.putVehicle();
    expect(chip?.level(14)).toBe(1); // east-1 loop

    await site.stop();
    for (const p of serialPaths(cfg)) expect(hub?.isPlugged(p)).toBe(false);
  });

  it('over PTYs: every config path becomes a PTY the gateway can open; stop kills every socat', async () => {
    const dir = await makeTempDir();
    const cfg = demoIn(dir);
    const clock = new ManualClock();
    const site = new SimulatedSite(cfg, {
      attach: 'pty',
      clock,
      gpioChip: isolatedChips(),
      gpioServer: `unix:${join(dir, 'gpio.sock')}`,
    });
    const before = new Set(liveSocatPids());
    await site.start();
    closers.push(() => site.stop());
    const paths = serialPaths(cfg);
    // 4 entry lanes and the yard exit (scanner, thermometer or not, serial barrier or GPIO), 6
    // bay-sensor buses and the card printer: one socat each.
    expect(paths.length).toBe(17);
    for (const p of paths) expect(existsSync(p)).toBe(true);
    const mine = liveSocatPids().filter((p) => !before.has(p));
    expect(mine.length).toBe(17);

    // A scanner and a thermometer, as the gateway would open them.
    const lane = site.lane('west-2');
    const scannerHost = await openHostEnd(site.serialScanner('west-2').port.path, format8N1(9600));
    const rec = new ByteRecorder(scannerHost);
    await lane.scanner.present('GP1:abc');
    expect((await rec.waitForBytes(8)).toString('latin1')).toBe('GP1:abc\r');
    await scannerHost.close();
    lane.thermometer?.presentTarget(36.6);
    const thermoHost = await openHostEnd(lane.thermometer?.port.path ?? '', format8N1(9600));
    const { reply } = await new RawModbusMaster(thermoHost).request(withCrc(Buffer.from([1, 4, 0, 0, 0, 3])));
    expect(reply.readInt16BE(3)).toBe(site.lane('west-2').thermometer?.model.registers()[0]);
    await thermoHost.close();

    // The GPIO barriers through the site's GPIO server, as a separate gateway process would.
    const address = site.gpioServerAddress ?? '';
    expect(address).toBe(`unix:${join(dir, 'gpio.sock')}`);
    const remote = await RemoteGpioChip.connect({ address, chip: 'virtual', lines: [43] });
    expect(remote.input(43).read()).toBe(1); // west-2 limitClosed
    await remote.close();

    await site.stop();
    for (const p of paths) expect(existsSync(p)).toBe(false);
    for (const pid of mine) expect(isProcessAlive(pid)).toBe(false);
  });
});
