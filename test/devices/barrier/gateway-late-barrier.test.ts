import { afterEach, describe, expect, it } from 'vitest';
import type { GatepostRecord } from '../../../gateway/mqtt/record.ts';
import type { SimSerialBarrier } from '../../../sim/devices/barrier/serial-barrier.ts';
import { type DemoSite, startDemoSite } from '../../ops/support/demo-site.ts';
import { sleep, until } from '../support/wait.ts';

/**
 * Issue 18, item 8 at the lane: a serial barrier whose every reply is 700 ms late used to be
 * marked offline at each late STATUS, switching the lane to manual and raising an alarm and an
 * error record every 1.5 s (40 of each a minute). With the shared health rule it is degraded:
 * the lane stays in automatic, no alarm, a few error records at most.
 */
describe('the demo site with its serial barrier answering 700 ms late', () => {
  let s: DemoSite | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  it('keeps east-2 in automatic: no offline alarm, no mode switch, at most 3 barrier error records in 12 s', async () => {
    s = await startDemoSite();
    const lane = s.gateway.lanes.get('east-2');
    if (!lane) throw new Error('no lane east-2 in the demo config');
    // The lane starts in manual until every one of its devices has answered (on a loaded box the
    // thermometer can come after the barrier): the window starts once the lane is in automatic.
    await until(() => lane.state().devices.barrier === 'online', 10_000, 'east-2 barrier online');
    await until(() => lane.state().mode === 'auto', 15_000, 'east-2 in automatic');
    const records: GatepostRecord[] = [];
    s.gateway.store.onCommit((batch) => records.push(...batch.records));
    const modes = new Set<string>();
    const barrier = s.site.lane('east-2').barrier as SimSerialBarrier;
    barrier.slowReplies(700);
    const until12s = Date.now() + 12_000;
    while (Date.now() < until12s) {
      modes.add(lane.state().mode);
      await sleep(100);
    }
    const ofLane = (type: string) =>
      records.filter((r) => r.type === type && (r.data as { lane?: string }).lane === 'east-2');
    const alarms = ofLane('alarm');
    const barrierErrors = ofLane('device-error').filter(
      (r) => (r.data as { device?: string }).device === 'barrier',
    );
    expect(alarms).toEqual([]);
    expect([...modes]).toEqual(['auto']);
    expect(lane.state().devices.barrier).toBe('degraded');
    expect(barrierErrors.length).toBeLessThanOrEqual(3);
    barrier.slowReplies(0);
  }, 60_000);
});
