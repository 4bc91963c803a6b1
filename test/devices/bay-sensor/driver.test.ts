import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import { BaySensorBusConfigSchema } from '../../../devices/bay-sensor/config.ts';
import { type BaySensorDriver, createBaySensorDriver } from '../../../devices/bay-sensor/driver.ts';
import { baySweepWireTimeMs, busSweepWireTimeMs } from '../../../devices/bay-sensor/wire-time.ts';
import type { BayEvent, DeviceErrorEvent, SensorHealthEvent } from '../../../devices/events.ts';
import { InProcessSerialHub } from '../../../devices/serial/in-process-hub.ts';
import { rawModbusSlave } from '../support/raw-modbus-slave.ts';

const log = silentLogger();

describe('bay sweep wire time', () => {
  it('is 24 character times per sensor, and the slowest bus for parallel buses', () => {
    const bus = (id: string, n: number, baudRate = 19200) =>
      BaySensorBusConfigSchema.parse({
        id,
        port: { path: `/dev/${id}`, baudRate },
        sensors: [{ bayPrefix: 'P', fromBay: 1, toBay: n, firstAddress: 1 }],
      });
    // 6 buses of 200 sensors: 200 × 24 chars × 10 bits / 19200 baud = 2.5 s.
    const six = Array.from({ length: 6 }, (_, i) => bus(`bus-${i}`, 200));
    expect(baySweepWireTimeMs(six)).toBeCloseTo(2500, 6);
    expect(busSweepWireTimeMs(bus('slow', 100, 9600))).toBeCloseTo(2500, 6);
    expect(baySweepWireTimeMs([bus('a', 100), bus('b', 200)])).toBeCloseTo(2500, 6);
  });
});

describe('bay sensor driver (in-process buses, hand-written slaves, ManualClock)', () => {
  let driver: BaySensorDriver | undefined;
  afterEach(async () => {
    await driver?.stop();
    driver = undefined;
  });

  it('sweeps each bus, reports changes, marks a silent sensor offline after 3 polls and back', async () => {
    const clock = new ManualClock();
    const hub = new InProcessSerialHub();
    const regs = new Map<string, number[]>(); // `${bus}/${address}` -> [occupied, cm]
    const silent = new Set<string>();
    for (const id of ['bus-1', 'bus-2']) {
      const device = hub.plug(`/dev/${id}`);
      rawModbusSlave(device, (address, _fn, start, quantity) => {
        const key = `${id}/${address}`;
        if (silent.has(key)) return 'silent';
        const r = regs.get(key) ?? [0, 400];
        return { registers: r.slice(start, start + quantity) };
      });
    }
    const buses = ['bus-1', 'bus-2'].map((id, i) =>
      BaySensorBusConfigSchema.parse({
        id,
        port: { path: `/dev/${id}` },
        sensors: [{ bayPrefix: 'P', fromBay: 1 + i * 4, toBay: 4 + i * 4, firstAddress: 1 }],
      }),
    );
    driver = createBaySensorDriver({ buses, opener: hub, clock, log });
    const bays: BayEvent[] = [];
    const sensorHealth: SensorHealthEvent[] = [];
    const errors: DeviceErrorEvent[] = [];
    driver.on('bay', (e) => bays.push(e));
    driver.on('sensor-health', (e) => sensorHealth.push(e));
    driver.on('error', (e) => errors.push(e));
    driver.start();
    const run = async (ms: number) => {
      for (let t = 0; t < ms; t += 2) await clock.advance(2);
    };
    await run(200);
    // Every bay read once, both buses in parallel, with the gateway's bay ids.
    expect(bays.map((b) => b.bayId).sort()).toEqual(
      ['P-0001', 'P-0002', 'P-0003', 'P-0004', 'P-0005', 'P-0006', 'P-0007', 'P-0008'].sort(),
    );
    expect(bays.find((b) => b.bayId === 'P-0006')).toMatchObject({
      bus: 'bus-2',
      address: 2,
      occupied: false,
      distanceCm: 400,
    });
    expect(driver.health()).toEqual({ 'bus-1': 'online', 'bus-2': 'online' });
    const figures = driver.sweepFigures();
    expect(figures.fullSweepMs).toBeDefined();
    expect(figures.buses.every((b) => b.sweeps >= 1)).toBe(true);

    regs.set('bus-2/3', [1, 85]);
    const before = bays.length;
    await run(100);
    expect(bays.slice(before)).toMatchObject([{ bayId: 'P-0007', occupied: true, distanceCm: 85 }]);

    silent.add('bus-1/2');
    await run(1000);
    expect(sensorHealth.filter((h) => h.state === 'offline')).toMatchObject([
      { bayId: 'P-0002', bus: 'bus-1' },
    ]);
    expect(errors.filter((e) => e.bayId === 'P-0002')).toHaveLength(3); // reported up to offline, then counted
    expect(errors[0]).toMatchObject({ errorCode: ErrorCode.ModbusTimeout, address: 2 });
    expect(driver.health()['bus-1']).toBe('degraded');
    silent.delete('bus-1/2');
    await run(300);
    expect(sensorHealth.at(-1)).toMatchObject({ bayId: 'P-0002', state: 'online' });
    expect(driver.health()['bus-1']).toBe('online');
  });

  it('reports a sensor that reads neither 0 nor 1 as a device error, not a bay change', async () => {
    const clock = new ManualClock();
    const hub = new InProcessSerialHub();
    rawModbusSlave(hub.plug('/dev/b'), () => ({ registers: [7, 100] }));
    driver = createBaySensorDriver({
      buses: [
        BaySensorBusConfigSchema.parse({
          id: 'b',
          port: { path: '/dev/b' },
          sensors: [{ bayPrefix: 'H', fromBay: 1, toBay: 1, firstAddress: 9 }],
        }),
      ],
      opener: hub,
      clock,
      log,
    });
    const bays: BayEvent[] = [];
    const errors: DeviceErrorEvent[] = [];
    driver.on('bay', (e) => bays.push(e));
    driver.on('error', (e) => errors.push(e));
    driver.start();
    for (let i = 0; i < 20; i++) await clock.advance(2);
    expect(bays).toEqual([]);
    expect(errors[0]).toMatchObject({
      errorCode: ErrorCode.ReadingImplausible,
      kind: 'bad-occupancy',
      bayId: 'H-0001',
    });
  });
});
