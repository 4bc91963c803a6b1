import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { Random } from '../../sim/random.ts';
import { type DemoSite, type Scrape, scrape, series, startDemoSite } from './support/demo-site.ts';

/**
 * /metrics of the real gateway after a scripted scenario on the simulated demo lanes: two trucks
 * (one PASS at a GPIO-barrier lane, one YARD at the serial-barrier lane), then the key series
 * are checked for the values the scenario must give.
 */
const running: DemoSite[] = [];
const clients: mqtt.MqttClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync();
  for (const r of running.splice(0)) await r.stop();
});

const holder = (n: number) => ({
  plate: `晋D2000${n}`,
  sub: `drv-ops-${n}`,
  familyName: 'Li',
  givenName: 'Wei',
  dateOfBirth: '1980-01-01',
  origin: '140100',
  dest: '110000',
});

async function truck(s: DemoSite, lane: string, code: string, tempC: number): Promise<void> {
  const sim = s.site.lane(lane);
  sim.barrier.putVehicle();
  await sim.scanner.present(code);
  sim.thermometer?.presentTarget(tempC);
}

describe('/metrics after a scripted scenario', () => {
  it('counts decisions by outcome, barrier operations, scans, device health, broker clients and the store', async () => {
    const s = await startDemoSite();
    running.push(s);
    const client = await mqtt.connectAsync(s.gateway.brokerUrl);
    clients.push(client);
    const clockStatus = new Promise<Record<string, unknown>>((resolve) =>
      client.on('message', (topic, payload) => {
        if (topic === 'gatepost/demo/gateway/clock') resolve(JSON.parse(payload.toString()));
      }),
    );
    await client.subscribeAsync('gatepost/demo/gateway/clock', { qos: 1 });

    // Ready once every device of the lanes and the bus was opened.
    await expect
      .poll(async () => (await fetch(`${s.opsUrl}/readyz`)).status, { timeout: 15_000, interval: 100 })
      .toBe(200);

    const rnd = new Random(3);
    await truck(s, 'east-1', s.mint.issue('green', holder(1), rnd), 36.5);
    await truck(s, 'east-2', s.mint.issue('greenNoTest', holder(2), rnd), 36.6);
    // The series still short of what they should be, with the value they have (the poll says
    // which, should it time out).
    const expected: [string, Record<string, string>, number][] = [
      ['gatepost_decisions_total', { lane: 'east-1', outcome: 'PASS', by: 'rules' }, 1],
      ['gatepost_decisions_total', { lane: 'east-2', outcome: 'YARD', by: 'rules' }, 1],
      ['gatepost_barrier_operations_total', { lane: 'east-1', action: 'open', ok: 'true' }, 1],
      ['gatepost_barrier_operations_total', { lane: 'east-2', action: 'open', ok: 'true' }, 1],
      // A bus is online after its first whole sweep (2.5 s on the wire).
      ['gatepost_bay_bus_state', { bus: 'bus-1', state: 'online' }, 1],
    ];
    const missing = (m: Scrape) =>
      expected
        .filter(([name, labels, value]) => m.get(series(name, labels)) !== value)
        .map(([name, labels]) => {
          const others = [...m].filter(([k]) => k.startsWith(`${name}{`)).map(([k, v]) => `${k} ${v}`);
          return `${series(name, labels)} is ${m.get(series(name, labels))}; ${name} has: ${others.join(', ') || 'nothing'}`;
        });
    await expect
      .poll(async () => missing(await scrape(s.opsUrl)), { timeout: 20_000, interval: 200 })
      .toEqual([]);
    s.site.lane('east-1').thermometer?.removeTarget();
    s.site.lane('east-2').thermometer?.removeTarget();

    const m = await scrape(s.opsUrl);
    // Nothing else was decided, and no lane saw anything but the one code.
    const decisions = [...m].filter(([k]) => k.startsWith('gatepost_decisions_total{'));
    expect(decisions.reduce((n, [, v]) => n + v, 0)).toBe(2);
    expect(m.get(series('gatepost_scans_total', { lane: 'east-1' }))).toBe(1);
    expect(m.get(series('gatepost_scans_total', { lane: 'east-2' }))).toBe(1);
    expect(m.get(series('gatepost_scans_total', { lane: 'west-1' }))).toBeUndefined();
    expect(m.get(series('gatepost_records_total', { stream: 'lane/east-1', type: 'decision' }))).toBe(1);
    expect(m.get(series('gatepost_barrier_faults_total', { lane: 'east-1' }))).toBeUndefined();
    // Device health, the lane modes and the bay sensor bus.
    for (const lane of ['east-1', 'east-2', 'west-1', 'west-2', 'yard-exit'])
      expect(m.get(series('gatepost_device_state', { lane, device: 'scanner', state: 'online' })), lane).toBe(
        1,
      );
    expect(
      m.get(series('gatepost_device_state', { lane: 'east-2', device: 'barrier', state: 'offline' })),
    ).toBe(0);
    expect(m.get(series('gatepost_lane_mode', { lane: 'east-1', mode: 'auto' }))).toBe(1);
    // One open by the rules on each lane, timed from the input that completed its decision.
    for (const lane of ['east-1', 'east-2']) {
      expect(m.get(series('gatepost_lane_input_to_command_seconds_count', { lane })), lane).toBe(1);
      const took = m.get(series('gatepost_lane_input_to_command_seconds_sum', { lane })) ?? -1;
      expect(took, lane).toBeGreaterThan(0);
      expect(took, lane).toBeLessThan(1);
      // The same time by stage, adding up to the whole: one observation of each stage its input
      // passed (a verification only where the scan, not the thermometer, completed the decision).
      let stages = 0;
      for (const stage of ['queue', 'verify', 'decide', 'commit', 'command']) {
        const count = m.get(series('gatepost_lane_input_stage_seconds_count', { lane, stage }));
        if (stage === 'verify' && count === undefined) continue;
        expect(count, `${lane} ${stage}`).toBe(1);
        stages += m.get(series('gatepost_lane_input_stage_seconds_sum', { lane, stage })) ?? Number.NaN;
      }
      expect(stages, lane).toBeCloseTo(took, 6);
    }
    expect(m.get(series('gatepost_lane_input_to_command_seconds_count', { lane: 'west-1' }))).toBeUndefined();
    expect(m.get(series('gatepost_bay_bus_state', { bus: 'bus-1', state: 'online' }))).toBe(1);
    expect(m.get(series('gatepost_bay_sweep_wire_seconds', { bus: 'bus-1' }))).toBeCloseTo(2.5, 1);
    expect(
      m.get(series('gatepost_bay_bus_frames_total', { bus: 'bus-1', result: 'response' })),
    ).toBeGreaterThan(0);
    // The broker: the gateway's own client and this test's.
    expect(m.get('gatepost_broker_clients')).toBeGreaterThanOrEqual(2);
    expect(m.get(series('gatepost_broker_messages_received_total', { source: 'client' }))).toBeGreaterThan(0);
    // The store and its backlog (the uplink is off: every record is pending).
    expect(m.get('gatepost_storage_used_bytes')).toBeGreaterThan(0);
    expect(m.get('gatepost_storage_alarm_level')).toBe(0);
    const committed = [...m]
      .filter(([k]) => k.startsWith('gatepost_records_total{'))
      .reduce((n, [, v]) => n + v, 0);
    expect(m.get('gatepost_uplink_backlog_records')).toBeGreaterThanOrEqual(committed);
    expect(m.get('gatepost_uplink_connected')).toBe(0);
    // The process.
    expect(m.get('gatepost_ready')).toBe(1);
    expect(m.get('process_resident_memory_bytes')).toBeGreaterThan(20 * 1024 * 1024);
    expect(m.get(series('gatepost_event_loop_lag_seconds', { stat: 'p99' }))).toBeGreaterThanOrEqual(0);
    // The clock check ran and published its retained status; an alarm only if the box's clock is bad.
    const clock = await clockStatus;
    expect(clock.state).toMatch(/^(synchronised|unverified|unsynchronised)$/);
    const clockAlarms = m.get(series('gatepost_alarms_total', { stream: 'gateway', kind: 'clock' }));
    expect(clockAlarms ?? 0).toBe(clock.state === 'unsynchronised' ? 1 : 0);
    expect(m.get(series('gatepost_clock_state', { state: String(clock.state) }))).toBe(1);
  });
});
