import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { CONFIG_RESTART_EXIT_CODE } from '../../gateway/downlink/config-apply.ts';
import { configFilePaths } from '../../gateway/downlink/config-files.ts';
import { demoConfigForTest, type GatewayProcess, spawnGatewayOnFile } from '../support/gateway-process.ts';
import { startMosquitto } from '../support/mosquitto.ts';
import { startCentral, until } from './site.ts';

/**
 * The `config` kind end to end: the real `gatepost start` (the demo site, its simulated traffic in
 * the process, so the lanes do have transits) with the downlink on a real central Mosquitto.
 * The test restarts the process on the same file after it exits, as systemd (Restart=always) does.
 */
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('a site config from the central office', () => {
  it('refuses an invalid one, swaps in a valid one when the lanes are quiet, rolls back one that does not come up or whose start is killed', async () => {
    const broker = await startMosquitto({ persistence: false });
    cleanup.push(() => broker.dispose());
    const central = await startCentral(broker.url, 'demo');
    cleanup.push(() => central.stop());
    const base = demoConfigForTest();
    base.uplink = { enabled: true, url: broker.url, topicPrefix: 'central', reconnectMinMs: 100 };
    base.downlink = {
      enabled: true,
      centralKeys: [central.keys.a, central.keys.b].map((k) => ({ kid: k.kid, x: k.x })),
      configReadyTimeoutSeconds: 60,
    };
    const file = join(mkdtempSync(join(tmpdir(), 'gatepost-config-dl-')), 'site.yaml');
    const paths = configFilePaths(file);
    const original = toYaml(base);
    writeFileSync(file, original);
    let gw: GatewayProcess = spawnGatewayOnFile(file);
    cleanup.push(() => gw.stop());
    const start = async (g: GatewayProcess) => {
      gw = g;
      await g.waitForLog((l) => l.msg === 'uplink connected', 60_000);
    };
    await start(gw);

    // 1. Invalid: refused with its problems, nothing staged, the gateway keeps running.
    const invalid = { ...base, bogus: 1, rules: { ...base.rules, feverC: 'hot' } };
    const bad = await central.send({ kind: 'config', version: 1, payload: { text: toYaml(invalid) } });
    await until(() => central.ackOf(bad.id) !== undefined, 30_000, 'the ack of the invalid config');
    const badAck = central.ackOf(bad.id);
    expect(badAck).toMatchObject({ status: 'refused', reason: 'invalid-payload', kind: 'config' });
    const details = badAck?.details as { problems: { path: string }[] } | undefined;
    const problems = (details?.problems ?? []).map((p) => p.path);
    expect(problems).toEqual(expect.arrayContaining(['rules.feverC']));
    expect(badAck?.message).toContain('bogus');
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect(existsSync(paths.staged) || existsSync(paths.marker)).toBe(false);

    // 2. Valid: staged, swapped in with no transit open on any lane, the gateway exits to restart.
    const good = toYaml({ ...base, site: { ...base.site, name: 'Demo, from the centre' } });
    const v2 = await central.send({ kind: 'config', version: 2, payload: { text: good } });
    const swap = await gw.waitForLog(
      (l) => l.msg === 'config swapped in while the lanes are quiet; restarting',
      60_000,
    );
    expect(swap).toMatchObject({ envelopeId: v2.id, version: 2, openTransits: 0 });
    expect(swap.lanes).toBeGreaterThan(0);
    expect((await gw.exited).code).toBe(CONFIG_RESTART_EXIT_CODE);
    expect(readFileSync(file, 'utf8')).toBe(good);
    expect(readFileSync(paths.lastGood, 'utf8')).toBe(original);
    expect(central.ackOf(v2.id)).toBeUndefined(); // acked once it came up, not when staged
    await start(spawnGatewayOnFile(file));
    await until(() => central.ackOf(v2.id) !== undefined, 90_000, 'the ack of the valid config');
    expect(central.ackOf(v2.id)).toMatchObject({ status: 'applied', kind: 'config', version: 2 });
    await until(() => !existsSync(paths.marker), 10_000, 'the change ended');

    // 3. Valid but never ready (no simulated devices: the lanes' serial ports are not there):
    //    tried once, rolled back after its time limit, the last good config (v2) starts again.
    const never = toYaml({
      ...base,
      site: { ...base.site, name: 'Demo, from the centre' },
      simulation: { enabled: false },
      downlink: { ...base.downlink, configReadyTimeoutSeconds: 3 },
    });
    const v3 = await central.send({ kind: 'config', version: 3, payload: { text: never } });
    expect((await gw.exited).code).toBe(CONFIG_RESTART_EXIT_CODE);
    expect(readFileSync(file, 'utf8')).toBe(never);
    const trialRun = spawnGatewayOnFile(file);
    gw = trialRun;
    await trialRun.waitForLog((l) => l.msg === 'config rolled back', 90_000);
    expect((await trialRun.exited).code).toBe(CONFIG_RESTART_EXIT_CODE);
    expect(readFileSync(file, 'utf8')).toBe(good);
    await start(spawnGatewayOnFile(file));
    await until(() => central.ackOf(v3.id) !== undefined, 90_000, 'the ack of the rolled-back config');
    expect(central.ackOf(v3.id)).toMatchObject({
      status: 'refused',
      reason: 'config-rolled-back',
      version: 3,
    });
    expect(central.ackOf(v3.id)?.message).toContain('not ready within 3 s');

    // 4. A power cut (SIGKILL) while the gateway starts on a new config: the file is whole, and
    //    the next start, finding a start on it already, puts the last good config back.
    const killed = toYaml({ ...base, site: { ...base.site, name: 'Demo, killed while starting' } });
    const v4 = await central.send({ kind: 'config', version: 4, payload: { text: killed } });
    expect((await gw.exited).code).toBe(CONFIG_RESTART_EXIT_CODE);
    const dying = spawnGatewayOnFile(file);
    gw = dying;
    await dying.waitForLog((l) => l.msg === 'broker listening', 60_000);
    await dying.stop('SIGKILL');
    expect(readFileSync(file, 'utf8')).toBe(killed);
    await start(spawnGatewayOnFile(file));
    expect(readFileSync(file, 'utf8')).toBe(good);
    await until(() => central.ackOf(v4.id) !== undefined, 90_000, 'the ack of the killed config');
    expect(central.ackOf(v4.id)).toMatchObject({
      status: 'refused',
      reason: 'config-rolled-back',
      version: 4,
    });
    expect(central.ackOf(v4.id)?.message).toContain('stopped while starting');
  }, 400_000);
});
