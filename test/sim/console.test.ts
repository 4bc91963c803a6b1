import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { VirtualGpioChip } from '../../devices/gpio/virtual-chip.ts';
import { runConsoleCommand } from '../../sim/console.ts';
import { SimulatedSite } from '../../sim/site.ts';
import { loadConfigFile } from '../../site-config/load.ts';
import { ByteRecorder } from '../support/recorder.ts';

const DEMO = new URL('../../config/demo.yaml', import.meta.url).pathname;
let site: SimulatedSite | undefined;
afterEach(async () => {
  await site?.stop();
  site = undefined;
});

async function demoSite(): Promise<SimulatedSite> {
  const chips = new Map<string, VirtualGpioChip>();
  const s = new SimulatedSite(loadConfigFile(DEMO), {
    attach: 'in-process',
    clock: new ManualClock(),
    gpioChip: (name) => chips.get(name) ?? chips.set(name, new VirtualGpioChip(name)).get(name)!,
  });
  await s.start();
  site = s;
  return s;
}

describe('simulator console commands', () => {
  it('map onto the control API of the devices', async () => {
    const s = await demoSite();
    await runConsoleCommand(s, 'temp east-1 38.1');
    expect(s.lane('east-1').thermometer?.reading()).toMatchObject({ present: true });
    await runConsoleCommand(s, 'ambient east-1 12');
    expect(s.lane('east-1').thermometer?.reading().ambientC).toBe(12);
    await runConsoleCommand(s, 'occupy P-0007 155');
    expect(s.bay('P-0007').registers()).toEqual([1, 155]);
    await runConsoleCommand(s, 'sensor P-0007 offline');
    expect(s.bay('P-0007').online).toBe(false);
    await runConsoleCommand(s, 'vehicle west-1 on');
    expect(s.lane('west-1').barrier.loopOccupied).toBe(true);
    expect(await runConsoleCommand(s, 'status west-1')).toMatch(/^west-1: barrier closed, vehicle on loop/);
    await runConsoleCommand(s, 'jam east-2 on');
    expect(s.lane('east-2').barrier.jammed).toBe(true);
  });

  it('scan reaches the host end; unplug and replug move the device off and back on the hub', async () => {
    const s = await demoSite();
    const path = s.serialScanner('yard-exit').port.path;
    const rec = new ByteRecorder(await s.hub!.open(s.serialScanner('yard-exit').config.port));
    expect(await runConsoleCommand(s, 'scan yard-exit 晋D12345 with spaces')).toMatch(/^scanned/);
    expect((await rec.waitForText('\r')).length).toBeGreaterThan(0);
    expect(Buffer.from(rec.bytes).toString('utf8')).toBe('晋D12345 with spaces\r');
    await runConsoleCommand(s, 'unplug yard-exit scanner');
    expect(s.hub?.isPlugged(path)).toBe(false);
    await runConsoleCommand(s, 'replug yard-exit scanner');
    expect(s.hub?.isPlugged(path)).toBe(true);
    await runConsoleCommand(s, 'unplug bus bus-2');
    expect(s.hub?.isPlugged(s.buses.get('bus-2')?.port.path ?? '')).toBe(false);
  });

  it('answers mistakes with a message instead of throwing', async () => {
    const s = await demoSite();
    expect(await runConsoleCommand(s, 'frobnicate')).toMatch(/unknown command/);
    expect(await runConsoleCommand(s, 'temp nowhere 37')).toMatch(/^error: no simulated lane nowhere/);
    expect(await runConsoleCommand(s, 'temp yard-exit 37')).toMatch(/has no thermometer/);
    expect(await runConsoleCommand(s, 'vehicle east-1 maybe')).toMatch(/expected on or off/);
    expect(await runConsoleCommand(s, 'temp east-1 hot')).toMatch(/not a number/);
    expect(await runConsoleCommand(s, 'unplug east-1 barrier')).toMatch(/no serial barrier/);
    expect(await runConsoleCommand(s, 'help')).toMatch(/commands:/);
  });
});
