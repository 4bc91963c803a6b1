import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { withCrc } from '../../../devices/modbus/crc.ts';
import { CR, LF } from '../../../sim/devices/scanner/encode.ts';
import { RawModbusMaster } from '../../support/modbus-host.ts';
import { ByteRecorder, format8N1, openHostEnd } from '../../support/recorder.ts';
import { makeTempDir, removeTempDirs } from '../../support/tmp.ts';
import { eventually, type FaultSite, faultSite } from '../support/fault-site.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await removeTempDirs();
});

async function setUp(): Promise<FaultSite> {
  const fs = await faultSite(await makeTempDir());
  closers.push(() => fs.stop());
  return fs;
}

/** The host end of the lane's scanner (`ser`: 115200 baud), as the gateway's driver opens it. */
async function scannerHost(fs: FaultSite, lane = 'ser') {
  const port = fs.site.serialScanner(lane).port;
  const host = await openHostEnd(port.path, format8N1(port.settings.baudRate));
  closers.push(() => host.close());
  return { host, rec: new ByteRecorder(host) };
}

/**
 * Tries `attempt` until it gets bytes back, for up to 5 s, and returns the last answer (empty if
 * none came). After a replug the path is back a moment before the simulator's end is open, and
 * what is sent into that gap is lost, as on a cable being plugged in.
 */
async function untilAnswered<T extends Uint8Array>(attempt: () => Promise<T>): Promise<T> {
  const until = performance.now() + 5000;
  let got = await attempt();
  while (got.length === 0 && performance.now() < until) got = await attempt();
  return got;
}

/** The hex bytes the event log says a fault sent (`sendRaw <what> <hex>` or `noise <hex>`). */
function sentBytes(fs: FaultSite, action: string): Buffer {
  const e = fs.events.find((x) => x.kind === 'device' && x.action === action);
  return Buffer.from(e?.detail?.split(' ').at(-1) ?? '', 'hex');
}

describe('serial faults on the wire (over PTYs)', () => {
  it('unplug: the scanner PTY goes away (the open host end hangs up) and comes back after `for`', async () => {
    const fs = await setUp();
    const path = fs.site.serialScanner('ser').port.path;
    const { host } = await scannerHost(fs);
    const closed = new Promise<Error | string | undefined>((resolve) => {
      host.once('close', resolve);
      setTimeout(() => resolve('the host end did not hang up within 5 s'), 5000).unref();
    });

    await fs.inject({ fault: 'unplug', lane: 'ser', device: 'scanner', for: '30s' });
    expect(await closed).toBeInstanceOf(Error);
    expect(existsSync(path)).toBe(false);
    expect(fs.run.faults.activeFaults().map((f) => f.label)).toEqual(['unplug ser scanner']);

    await fs.clock.advance(29_000);
    expect(existsSync(path)).toBe(false);
    await fs.clock.advance(1_000);
    await eventually(() => existsSync(path), 5000, 'the scanner path to come back');
    const again = await scannerHost(fs);
    // Present until the first bytes arrive (untilAnswered).
    const got = await untilAnswered(async () => {
      await fs.site.lane('ser').scanner.present('GP1:back');
      return again.rec.waitForBytes(9, 500).catch(() => Buffer.alloc(0));
    });
    expect(got.subarray(0, 9).toString('latin1')).toBe('GP1:back\r');
    expect(fs.run.faults.activeFaults()).toEqual([]);
  });

  it('unplug a bay sensor bus: its PTY goes away and comes back', async () => {
    const fs = await setUp();
    const bus = fs.site.buses.get('bus-1');
    const path = bus?.port.path ?? '';
    expect(existsSync(path)).toBe(true);
    await fs.inject({ fault: 'unplug', bus: 'bus-1', device: 'bus', for: '10s' });
    expect(existsSync(path)).toBe(false);
    await fs.clock.advance(10_000);
    await eventually(() => existsSync(path), 5000, 'the bus path to come back');
    const host = await openHostEnd(path, format8N1(19200));
    closers.push(() => host.close());
    // Like a master after a replug, ask again until the sensor answers (untilAnswered).
    const master = new RawModbusMaster(host);
    const reply = await untilAnswered(
      async () => (await master.request(withCrc(Buffer.from([2, 4, 0, 0, 0, 2])), 300)).reply,
    );
    expect(reply.length).toBe(9);
  });

  it('noise: the exact random bytes of the event log arrive from the device end', async () => {
    const fs = await setUp();
    const { rec } = await scannerHost(fs);
    await fs.inject({ fault: 'noise', lane: 'ser', device: 'scanner', bytes: 40 });
    const sent = sentBytes(fs, 'noise');
    expect(sent.length).toBe(40);
    expect(await rec.waitForBytes(40)).toEqual(sent);
  });

  it('noise on a Modbus line: the master reads the garbage bytes where it expects silence', async () => {
    const fs = await setUp();
    const path = fs.site.lane('ser').thermometer?.port.path ?? '';
    const host = await openHostEnd(path, format8N1(9600));
    closers.push(() => host.close());
    const rec = new ByteRecorder(host);
    await fs.inject({ fault: 'noise', lane: 'ser', device: 'thermometer', bytes: 12 });
    expect(await rec.waitForBytes(12)).toEqual(sentBytes(fs, 'noise'));
  });

  it('garbage: one terminated line with NUL and invalid UTF-8, no terminator inside', async () => {
    const fs = await setUp();
    const { rec } = await scannerHost(fs);
    await fs.inject({ fault: 'garbage', lane: 'ser' });
    const sent = sentBytes(fs, 'sendRaw');
    const got = await rec.waitForBytes(sent.length);
    expect(got).toEqual(sent);
    expect(got.at(-1)).toBe(CR);
    const body = got.subarray(0, -1);
    expect(body.includes(0x00)).toBe(true);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(body)).toThrow();
    expect(body.includes(CR) || body.includes(LF)).toBe(false);
  });

  it('truncated-code: a prefix of a pass, no terminator, then quiet for longer than the inter-byte gap', async () => {
    const fs = await setUp();
    const { rec } = await scannerHost(fs);
    const scanner = fs.site.lane('ser').scanner;
    await fs.inject({ fault: 'truncated-code', lane: 'ser' });
    // The next scan is held back on the wire until the gap has passed.
    fs.run.traffic.actions.scan('ser', 'GP1:next');
    const cut = sentBytes(fs, 'sendRaw');
    expect(cut.length).toBeGreaterThan(0);
    expect(cut.subarray(0, 4).toString('latin1')).toBe('GP1:'.slice(0, Math.min(4, cut.length)));
    expect(cut.includes(CR)).toBe(false);
    const all = await rec.waitForBytes(cut.length + 9, 3000);
    expect(all.subarray(0, cut.length)).toEqual(cut);
    expect(all.subarray(cut.length).toString('latin1')).toBe('GP1:next\r');
    // The gap on the wire between the cut-off code and the next one.
    let seen = 0;
    let cutEnd = 0;
    let nextStart = 0;
    for (const c of rec.chunks) {
      if (seen < cut.length) cutEnd = c.at;
      else if (!nextStart) nextStart = c.at;
      seen += c.bytes.length;
    }
    // Longer than the resync silence: the next code is not taken as the cut code's tail.
    expect(nextStart - cutEnd).toBeGreaterThan(scanner.config.resyncSilenceMs);
  });

  it('overlong-code: `bytes` bytes of code then the terminator, over the 4,096-byte cap', async () => {
    const fs = await setUp();
    const { rec } = await scannerHost(fs);
    await fs.inject({ fault: 'overlong-code', lane: 'ser', bytes: 4500 });
    const got = await rec.waitForBytes(4501, 5000);
    expect(got.length).toBe(4501);
    expect(got.subarray(0, 4).toString('latin1')).toBe('GP1:');
    expect(got.at(-1)).toBe(CR);
    expect(got.subarray(0, -1).includes(CR)).toBe(false);
  });
});
