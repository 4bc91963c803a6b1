import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CompactSign } from 'jose';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ScaledClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { VirtualGpioChip } from '../../devices/gpio/virtual-chip.ts';
import { type Gateway, startGateway } from '../../gateway/app.ts';
import { CSV_COLUMNS, exportCommand } from '../../gateway/cli/export-command.ts';
import { SimulatedSite } from '../../sim/site.ts';
import { parseConfig } from '../../site-config/load.ts';
import { ed25519SigningKey } from '../support/ed25519-keys.ts';

/**
 * A crew end to end: the real gateway with the simulator's devices; a driver with a green pass
 * and a fresh test and a co-driver with a red pass in one cab. The lane decides ISOLATE (the
 * worst over the two), its decision names both, and `gatepost export` writes a row for each.
 */
const SCALE = 4;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(c, _e, cb) {
      text += c.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}

describe('a crew at a lane, end to end with the simulator', () => {
  it('a two-person cab with one red pass is ISOLATE, and both persons are in the export', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatepost-crew-'));
    const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
    raw.broker = { tcp: { host: '127.0.0.1', port: 0 }, websocket: { enabled: false } };
    raw.web = { enabled: false };
    raw.storage = { path: join(dir, 'gatepost.db') };
    raw.passes = { trustListPath: join(dir, 'trust.json') };
    raw.simulation = { enabled: true, attach: 'in-process' };
    raw.yard.baySensorBuses = [];
    raw.yard.exitLanes = [];
    // One screening reading isolates on its own here (the recheck is another test's subject).
    raw.rules = { ...raw.rules, feverConfirm: 'immediate' };
    raw.checkpoints = raw.checkpoints.map((cp: any) => ({
      ...cp,
      lanes: cp.lanes.map((lane: any) => {
        for (const d of Object.values(lane.devices) as any[])
          if (d.port) d.port.path = join(dir, `${lane.id}-${d.port.path.split('-').pop()}`);
        lane.devices.scanner.interByteGapMs = 2_000;
        return { ...lane, decisionTimeoutMs: 15_000 * SCALE };
      }),
    }));
    const config = parseConfig(raw);
    const key = ed25519SigningKey();
    writeFileSync(
      config.passes.trustListPath ?? '',
      JSON.stringify({ keys: [{ ...key.publicJwk, kid: 'sim-1', alg: 'EdDSA' }] }),
    );
    const clock = new ScaledClock(SCALE);
    const chips = new Map<string, VirtualGpioChip>();
    const gpio = (name: string) => chips.get(name) ?? chips.set(name, new VirtualGpioChip(name)).get(name)!;
    const site = new SimulatedSite(config, { attach: 'in-process', clock, gpioChip: gpio });
    await site.start();
    stops.push(() => site.stop());
    const gateway: Gateway = await startGateway({
      config,
      clock,
      log: silentLogger(),
      serial: site.hub!,
      gpio,
    });
    stops.push(() => gateway.stop());
    const client = await mqtt.connectAsync(gateway.brokerUrl);
    stops.push(() => client.endAsync());
    const decisions: any[] = [];
    client.on('message', (topic, payload) => {
      const msg = JSON.parse(payload.toString());
      if (topic === 'gatepost/demo/lane/east-1/decision') decisions.push(msg.data);
    });
    await client.subscribeAsync('gatepost/demo/lane/east-1/decision', { qos: 1 });
    const lane = gateway.lanes.get('east-1')!;
    await expect
      .poll(() => Object.values(lane.state().devices).every((s) => s === 'online'), { timeout: 10_000 })
      .toBe(true);

    const now = Math.floor(clock.now() / 1000);
    const sign = (claims: Record<string, unknown>) =>
      new CompactSign(
        new TextEncoder().encode(JSON.stringify({ iat: now - 60, exp: now + 86_400, ...claims })),
      )
        .setProtectedHeader({ alg: 'EdDSA', kid: 'sim-1' })
        .sign(key.privateKey)
        .then((jws) => `GP1:${jws}`);
    const driver = await sign({
      plate: '晋D20001',
      sub: 'drv-1',
      color: 'green',
      test: { kind: 'antigen', result: 'negative', at: now - 3600 },
    });
    const coDriver = await sign({ plate: '晋D20001', sub: 'crw-2', color: 'red' });

    // The cab on the loop shows both passes, then each leans out to the thermometer: the
    // co-driver (scanned last) first, then the driver (docs/yard.md, "Crews and vehicles").
    const sim = site.lane('east-1');
    sim.barrier.putVehicle();
    await sim.scanner.present(driver);
    await sim.scanner.present(coDriver);
    await sim.scanner.present(coDriver); // the same pass again: not a third person
    await expect.poll(() => lane.state().transit?.persons?.length, { timeout: 10_000 }).toBe(2);
    for (const c of [36.7, 36.5]) {
      const before = lane.state().transit?.persons?.filter((p) => p.temperatureC !== undefined).length ?? 0;
      sim.thermometer?.presentTarget(c);
      await expect
        .poll(() => lane.state().transit?.persons?.filter((p) => p.temperatureC !== undefined).length, {
          timeout: 15_000,
        })
        .toBe(before + 1);
      sim.thermometer?.removeTarget();
      // One measurement per presence: the thermometer's next polls must see nobody first.
      await new Promise((res) => setTimeout(res, 1_500));
    }
    await expect.poll(() => decisions.at(-1)?.outcome, { timeout: 15_000 }).toBe('ISOLATE');
    const d = decisions.at(-1);
    expect(d.persons.map((p: any) => [p.seat, p.role, p.outcome, p.temperatureC, p.pass?.subject])).toEqual([
      [1, 'driver', 'PASS', 36.5, 'drv-1'],
      [2, 'co-driver', 'ISOLATE', 36.7, 'crw-2'],
    ]);
    expect(d.reasons[0]).toMatchObject({ code: 'pass-red', detail: expect.stringContaining('co-driver') });
    expect(d.bay).toMatch(/^I-\d{4}$/);
    await new Promise((res) => setTimeout(res, 300));
    expect(sim.barrier.state).toBe('closed');

    // The ledger export, read only while the gateway runs: a row for each person of the transit.
    const out = sink();
    const err = sink();
    const day = new Date(clock.now()).toISOString().slice(0, 10);
    const next = new Date(clock.now() + 86_400_000).toISOString().slice(0, 10);
    await expect
      .poll(
        async () => {
          const o = sink();
          await exportCommand(
            ['--db', config.storage.path, '--from', day, '--to', next],
            o.stream,
            sink().stream,
          );
          return o
            .text()
            .split('\r\n')
            .filter((l) => l.includes(d.transitId)).length;
        },
        { timeout: 10_000 },
      )
      .toBe(2);
    expect(
      await exportCommand(['--db', config.storage.path, '--from', day, '--to', next], out.stream, err.stream),
    ).toBe(0);
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    const rows = out
      .text()
      .split('\r\n')
      .filter((l) => l.includes(d.transitId))
      .map((l) => l.split(','));
    expect(
      rows.map((r) => [
        r[col('seat')],
        r[col('role')],
        r[col('person_subject')],
        r[col('person_outcome')],
        r[col('decision')],
      ]),
    ).toEqual([
      ['1', 'driver', 'drv-1', 'PASS', 'ISOLATE'],
      ['2', 'co-driver', 'crw-2', 'ISOLATE', 'ISOLATE'],
    ]);
  }, 120_000);
});
