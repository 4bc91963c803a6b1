import { afterEach, describe, expect, it } from 'vitest';
import { hasValidCrc, withCrc } from '../../../devices/modbus/crc.ts';
import { RawModbusMaster, SILENCE_MS } from '../../support/modbus-host.ts';
import { format8N1, openHostEnd } from '../../support/recorder.ts';
import { makeTempDir, removeTempDirs } from '../../support/tmp.ts';
import { type FaultSite, faultSite } from '../support/fault-site.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await removeTempDirs();
});

/** The bay sensor poll: FC04, start 0, quantity 2. */
const poll = (address: number) => withCrc(Buffer.from([address, 0x04, 0, 0, 0, 2]));

async function setUp(): Promise<{ fs: FaultSite; master: RawModbusMaster }> {
  const fs = await faultSite(await makeTempDir());
  closers.push(() => fs.stop());
  const host = await openHostEnd(fs.site.buses.get('bus-1')?.port.path ?? '', format8N1(19200));
  closers.push(() => host.close());
  return { fs, master: new RawModbusMaster(host) };
}

async function answers(master: RawModbusMaster, address: number): Promise<boolean> {
  const { reply } = await master.request(poll(address), SILENCE_MS);
  if (reply.length === 0) return false;
  expect(reply.length).toBe(9);
  expect(hasValidCrc(reply)).toBe(true);
  return true;
}

describe('yard faults on the wire (a bay sensor bus over a PTY)', () => {
  it('bus-silent: no address answers while the port stays plugged in; all answer again after `for`', async () => {
    const { fs, master } = await setUp();
    await fs.inject({ fault: 'bus-silent', bus: 'bus-1', for: '60s' });
    for (const address of [1, 2, 3, 4]) expect(await answers(master, address)).toBe(false);
    expect(fs.site.buses.get('bus-1')?.port.isPlugged).toBe(true);
    await fs.clock.advance(60_000);
    for (const address of [1, 4]) expect(await answers(master, address)).toBe(true);
  });

  it("sensor-offline: one bay's address goes silent, its neighbours keep answering", async () => {
    const { fs, master } = await setUp();
    fs.site.bay('P-0002').occupy(130);
    await fs.inject({ fault: 'sensor-offline', bay: 'P-0002', for: '5m' });
    expect(await answers(master, 2)).toBe(false);
    expect(await answers(master, 1)).toBe(true);
    expect(await answers(master, 3)).toBe(true);
    await fs.clock.advance(300_000);
    const { reply } = await master.request(poll(2));
    expect([reply.readUInt16BE(3), reply.readUInt16BE(5)]).toEqual([1, 130]);
  });
});
