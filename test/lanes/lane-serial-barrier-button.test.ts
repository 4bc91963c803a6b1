import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { SerialBarrierConfigSchema } from '../../devices/barrier/config.ts';
import { createSerialBarrierDriver, type SerialBarrier } from '../../devices/barrier/serial-barrier.ts';
import { SerialPortOpener } from '../../devices/serial/serialport-opener.ts';
import { LaneController } from '../../gateway/lanes/lane-controller.ts';
import { ReplayGuard } from '../../gateway/lanes/replay-guard.ts';
import { DecisionRulesSchema, LaneConfigSchema } from '../../site-config/schema.ts';
import { DatasheetBarrierPeer } from '../devices/barrier/support/datasheet-barrier-peer.ts';
import { until } from '../devices/support/wait.ts';
import { fakeScanner } from '../support/fake-lane-devices.ts';
import { closeAllPtys, openPtyPair } from '../support/pty.ts';
import type { Rec } from './lane-harness.ts';
import { verdictFor } from './lane-harness.ts';

/**
 * Finding 1 on the real serial driver: the barrier at east-2 reports `ST OPENING`, `ST OPEN` with
 * no command from the gateway (a local button), a truck crosses, the driver closes after clear.
 * A barrier written from the datasheet on a real PTY; the lane sees the driver's typed events.
 */
describe('east-2: a serial barrier opened at the post, a truck through it', () => {
  let driver: SerialBarrier | undefined;
  let peer: DatasheetBarrierPeer | undefined;
  let lane: LaneController | undefined;
  afterEach(async () => {
    await lane?.stop();
    await driver?.stop();
    await peer?.close();
    await closeAllPtys();
    lane = driver = peer = undefined;
  });

  it('alarm and record on the open, unauthorized at the clear, the close recorded and the alarm cleared', async () => {
    const pty = await openPtyPair('barrier');
    peer = await DatasheetBarrierPeer.open({ devicePath: pty.device, travelMs: 100 });
    const barrierConfig = SerialBarrierConfigSchema.parse({
      kind: 'serial',
      port: { path: pty.host },
      autoCloseAfterClearMs: 200,
    });
    driver = createSerialBarrierDriver({
      config: barrierConfig,
      opener: new SerialPortOpener(),
      clock: systemClock,
      log: silentLogger(),
    });
    const records: Rec[] = [];
    const config = LaneConfigSchema.parse({
      id: 'east-2',
      name: 'East 2',
      kind: 'entry',
      hasLoop: true,
      devices: {
        scanner: { port: { path: '/dev/null' } },
        barrier: { kind: 'serial', port: { path: pty.host } },
      },
    });
    lane = new LaneController({
      config,
      site: 'demo',
      rules: DecisionRulesSchema.parse({}),
      clock: systemClock,
      log: silentLogger(),
      devices: { scanner: fakeScanner(), thermometer: undefined, barrier: driver },
      passes: { verify: async (code, at) => verdictFor(code, at) },
      yard: undefined,
      replay: new ReplayGuard(600_000),
      record: async (type, data) => {
        records.push({ type, data });
      },
      publishState: () => {},
      idNumbers: 'masked',
    });
    await lane.start();
    await until(() => driver?.state === 'closed', 4000, 'barrier up and closed');
    const of = (type: string) => records.filter((r) => r.type === type).map((r) => r.data);

    // The local button: the peer moves its arm by itself (the datasheet peer has no button of its own).
    (peer as unknown as { move(via: string, to: string): void }).move('OPENING', 'OPEN');
    await until(() => driver?.state === 'open', 3000, 'arm open');
    await lane.idle();
    expect(of('alarm')).toEqual([
      expect.objectContaining({ lane: 'east-2', kind: 'barrier-unexpected-open', active: true }),
    ]);
    expect(of('barrier')).toEqual([
      expect.objectContaining({ action: 'open', by: 'barrier', state: 'opening' }),
    ]);

    peer.putVehicle();
    await until(() => driver?.loop === true, 3000, 'vehicle on the loop');
    peer.removeVehicle();
    await until(() => of('transit-end').length === 1, 3000, 'transit ended');
    await lane.idle();
    expect(of('transit-end')[0]).toMatchObject({ end: 'unauthorized' });
    expect(of('alarm').map((a) => a.kind)).toContain('unauthorized-passage');

    // The driver's close-after-clear (a CLOSE it sends): the barrier's own move, and the alarm clears.
    await until(() => driver?.state === 'closed', 4000, 'closed after clear');
    await lane.idle();
    expect(peer.received).toContain('CLOSE');
    expect(of('barrier').at(-1)).toMatchObject({
      action: 'close',
      by: 'barrier',
      reason: expect.stringContaining('auto-close'),
    });
    expect(of('alarm').at(-1)).toMatchObject({ kind: 'barrier-unexpected-open', active: false });
  });
});
