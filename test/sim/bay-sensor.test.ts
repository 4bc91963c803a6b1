import { afterEach, describe, expect, it } from 'vitest';
import { BaySensorBusConfigSchema } from '../../devices/bay-sensor/config.ts';
import { hasValidCrc, withCrc } from '../../devices/modbus/crc.ts';
import { PtyAttachment } from '../../sim/attach/attachment.ts';
import { SimBaySensorBus } from '../../sim/devices/bay-sensor/bus.ts';
import { FREE_DISTANCE_CM, OCCUPIED_DISTANCE_CM } from '../../sim/devices/bay-sensor/sensor.ts';
import { modbusSilenceMs, wireTimeMs } from '../../sim/pacing.ts';
import { RawModbusMaster, SILENCE_MS } from '../support/modbus-host.ts';
import { format8N1, openHostEnd } from '../support/recorder.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await removeTempDirs();
});

/** The poll of datasheet section 5: FC04, start 0, quantity 2. */
function poll(address: number): Buffer {
  return withCrc(Buffer.from([address, 0x04, 0x00, 0x00, 0x00, 0x02]));
}

function decode(reply: Buffer): { occupied: number; distanceCm: number } {
  expect(hasValidCrc(reply)).toBe(true);
  expect(reply.length).toBe(9);
  return { occupied: reply.readUInt16BE(3), distanceCm: reply.readUInt16BE(5) };
}

/** A bus like the demo's bus-5: two ranges of bays, addresses 1-100 and 101-200, at 19200 baud. */
async function ptyBus() {
  const att = new PtyAttachment();
  closers.push(() => att.close());
  const dir = await makeTempDir();
  const cfg = BaySensorBusConfigSchema.parse({
    id: 'bus-5',
    port: { path: `${dir}/yard-bus-5` },
    sensors: [
      { bayPrefix: 'P', fromBay: 801, toBay: 900, firstAddress: 1 },
      { bayPrefix: 'I', fromBay: 1, toBay: 100, firstAddress: 101 },
    ],
  });
  const bus = new SimBaySensorBus(cfg, att);
  await bus.start();
  closers.push(() => bus.stop());
  const host = await openHostEnd(cfg.port.path, format8N1(cfg.port.baudRate));
  closers.push(() => host.close());
  return { cfg, bus, master: new RawModbusMaster(host) };
}

describe('simulated bay sensor bus over a real PTY (multi-drop, one line, many slaves)', () => {
  it('answers for every configured address with that bay, and nothing for the others', async () => {
    const { bus, master, cfg } = await ptyBus();
    expect(cfg.port.baudRate).toBe(19200);
    expect(bus.labels().length).toBe(200);
    expect(bus.sensor('P-0801').address).toBe(1);
    expect(bus.sensor('I-0001').address).toBe(101);

    bus.occupy('I-0001', 133);
    expect(decode((await master.request(poll(101))).reply)).toEqual({ occupied: 1, distanceCm: 133 });
    expect(decode((await master.request(poll(1))).reply)).toEqual({
      occupied: 0,
      distanceCm: FREE_DISTANCE_CM,
    });
    bus.occupy('P-0900');
    expect(decode((await master.request(poll(100))).reply)).toEqual({
      occupied: 1,
      distanceCm: OCCUPIED_DISTANCE_CM,
    });
    bus.free('I-0001');
    expect(decode((await master.request(poll(101))).reply).occupied).toBe(0);
    // 201-247 are not on this bus; the reply address is always the polled one.
    expect((await master.request(poll(201), SILENCE_MS)).reply.length).toBe(0);
    const r = (await master.request(poll(150))).reply;
    expect(r[0]).toBe(150);
  });

  it('a sensor set offline stays silent while its neighbours answer', async () => {
    const { bus, master } = await ptyBus();
    bus.setOnline('P-0805', false);
    expect((await master.request(poll(5), SILENCE_MS)).reply.length).toBe(0);
    expect(decode((await master.request(poll(6))).reply).occupied).toBe(0);
    bus.setOnline('P-0805', true);
    expect((await master.request(poll(5))).reply.length).toBe(9);
    expect(() => bus.occupy('P-0001')).toThrow(/no sensor/);
  });

  it('a sweep of the whole bus takes at least its wire time and shows a change within one sweep', async () => {
    const { bus, master, cfg } = await ptyBus();
    const f = format8N1(cfg.port.baudRate);
    const perPoll = wireTimeMs(f, 8) + modbusSilenceMs(f) + wireTimeMs(f, 9);
    const addresses = bus.labels().map((l) => bus.sensor(l).address);
    const times: number[] = [];
    const t0 = performance.now();
    let seen = 0;
    for (const [i, a] of addresses.entries()) {
      if (i === 50) bus.occupy('I-0050'); // address 150, later in this sweep
      const { reply, ms } = await master.request(poll(a));
      const d = decode(reply);
      if (a === 150) seen = d.occupied;
      expect(ms).toBeGreaterThanOrEqual(perPoll);
      times.push(ms);
    }
    const sweepMs = performance.now() - t0;
    expect(seen).toBe(1);
    expect(sweepMs).toBeGreaterThanOrEqual(addresses.length * perPoll);
    times.sort((a, b) => a - b);
    // Median well inside the datasheet's 50 ms response timeout (loose: shared cores).
    expect(times[Math.floor(times.length / 2)]).toBeLessThan(cfg.responseTimeoutMs);
  });
});
