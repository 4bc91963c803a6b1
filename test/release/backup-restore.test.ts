import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedBroker } from '../../broker/embedded-broker.ts';
import type { BayView } from '../../gateway/yard/yard-payloads.ts';
import { demoConfigForTest, type GatewayProcess, spawnGateway } from '../support/gateway-process.ts';
import { startLoopbackBroker } from '../support/loopback-broker.ts';
import { fromStore, request, retainedYard, SITE, withoutSensor } from '../yard/stack.ts';

const ROOT = join(import.meta.dirname, '../..');
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** `gatepost ARGS` as a separate process (the gateway's own process goes on meanwhile). */
function gatepost(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/gatepost.js'), ...args], { cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

type Row = { id: string; stream: string; seq: number; type: string; data: string };
function records(dbPath: string): Map<string, Row> {
  const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT id, stream, seq, type, data FROM records').all() as Row[];
    return new Map(rows.map((r) => [r.id, r]));
  } finally {
    db.close();
  }
}

async function startBroker(): Promise<EmbeddedBroker> {
  const broker = await startLoopbackBroker();
  cleanup.push(() => broker.close());
  return broker;
}

function track(gw: GatewayProcess): GatewayProcess {
  cleanup.push(() => gw.stop());
  return gw;
}

describe('gatepost backup and restore', () => {
  it('backs up a running gateway under traffic; restored into a fresh directory it has every committed record and the yard', async () => {
    const broker = await startBroker();
    const config = demoConfigForTest();
    config.broker.url = broker.url;
    // Lanes' traffic from the simulator, faster than the demo's.
    config.simulation = { ...config.simulation, enabled: true, timeScale: 5 };
    // A site key the config names: it must travel with the backup.
    const secrets = join(mkdtempSync(join(tmpdir(), 'gatepost-keys-')), 'token-secrets');
    writeFileSync(secrets, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    config.broker.tokens = { secretFile: secrets };
    const gw = track(spawnGateway(config));
    await gw.waitForLog((l) => l.msg === 'gateway ready', 30_000);

    // Yard traffic from a coordinator's page, beside the lanes'.
    const page = await mqtt.connectAsync(broker.url ?? '');
    cleanup.push(() => page.endAsync());
    await page.subscribeAsync(`gatepost/${SITE}/yard/response/+`, { qos: 1 });
    const ok = async (action: string, data: unknown, tx: string) =>
      expect(await request(page, action, data, tx), `${action} ${tx}`).toMatchObject({ status: 'ok' });
    for (let i = 0; i < 8; i++) {
      await ok('assign', { plate: `晋C${3000 + i}`, zoneKind: 'parking', arrived: true }, `a${i}`);
    }
    await ok('block', { bay: 'P-0300', reason: 'disinfection' }, 'b1');
    // The lanes have decided at least once.
    await expect
      .poll(() => [...records(config.storage.path).values()].filter((r) => r.type === 'decision').length, {
        timeout: 60_000,
        interval: 500,
      })
      .toBeGreaterThan(0);

    // More yard requests go on all through the backup.
    let writing = true;
    let n = 0;
    const traffic = (async () => {
      while (writing) {
        const i = n++;
        await ok('assign', { plate: `晋D${4000 + i}`, zoneKind: 'parking', arrived: i % 2 === 0 }, `t${i}`);
      }
    })();
    await expect.poll(() => n, { timeout: 10_000 }).toBeGreaterThan(3);
    const committedBefore = records(config.storage.path);
    const to = mkdtempSync(join(tmpdir(), 'gatepost-usb-'));
    const backup = await gatepost('backup', '--to', to, '--config', gw.configFile);
    const sentDuring = n;
    await expect.poll(() => n, { timeout: 10_000 }).toBeGreaterThan(sentDuring + 3);
    writing = false;
    await traffic;
    expect(backup.err).toBe('');
    expect(backup.code).toBe(0);
    const [folder] = readdirSync(to);
    expect(folder).toMatch(/^gatepost-backup-demo-\d{8}T\d{6}Z$/);
    const from = join(to, folder ?? '');
    const manifest = JSON.parse(readFileSync(join(from, 'manifest.json'), 'utf8')) as Record<string, any>;
    expect(manifest).toMatchObject({ format: 'gatepost-backup/1', site: 'demo' });
    expect(manifest.files.map((f: { role: string }) => f.role).sort()).toEqual(
      ['broker.tokens.secretFile', 'config', 'passes.trustListPath', 'store'].sort(),
    );

    // A restore while that gateway runs is refused, and changes nothing; restored into a fresh
    // directory (a new box's card, mounted), it is whole. The two read the backup only and write
    // to different places: they run side by side.
    const fresh = mkdtempSync(join(tmpdir(), 'gatepost-newbox-'));
    const [refused, restored] = await Promise.all([
      gatepost('restore', from),
      gatepost('restore', from, '--prefix', fresh),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('stop the gateway first');
    expect(readdirSync(join(config.storage.path, '..')).some((f) => f.includes('.replaced-'))).toBe(false);

    expect(restored.err).toBe('');
    expect(restored.code).toBe(0);
    const at = (p: string) => join(fresh, p);
    expect(readFileSync(at(secrets), 'utf8')).toBe(readFileSync(secrets, 'utf8'));
    expect(readFileSync(at(gw.configFile), 'utf8')).toBe(readFileSync(gw.configFile, 'utf8'));
    expect(existsSync(at(`${config.storage.path}-wal`))).toBe(false);

    // The live gateway stops cleanly; what it committed is the reference.
    gw.child.kill('SIGINT');
    expect((await gw.exited).code).toBe(0);
    const live = records(config.storage.path);
    const copy = records(at(config.storage.path));
    // Every record committed before the backup began is in it, as it was.
    for (const [id, row] of committedBefore) expect(copy.get(id), id).toEqual(row);
    // Nothing in it that the gateway did not commit; and it is one moment of the store: every
    // stream without a hole.
    for (const [id, row] of copy) expect(live.get(id), id).toEqual(row);
    const seqs = new Map<string, number[]>();
    for (const r of copy.values()) seqs.set(r.stream, [...(seqs.get(r.stream) ?? []), r.seq]);
    for (const [stream, list] of seqs) {
      list.sort((a, b) => a - b);
      expect(list.at(-1), stream).toBe((list[0] ?? 0) + list.length - 1);
    }
    expect(copy.size).toBeGreaterThan(committedBefore.size - 1);
    expect(manifest.records).toBe(copy.size);

    // A gateway on the restored files shows the yard of the backup: every bay as its records say,
    // the trucks assigned before it and the blocked bay among them.
    const broker2 = await startBroker();
    const again = demoConfigForTest();
    Object.assign(again, {
      storage: { path: at(config.storage.path) },
      broker: { ...again.broker, url: broker2.url, tokens: { secretFile: at(secrets) } },
      passes: { ...again.passes, trustListPath: at(config.passes.trustListPath) },
      simulation: { enabled: false },
    });
    const gw2 = track(spawnGateway(again));
    await gw2.yardPublished();
    const yard = await retainedYard(broker2.url ?? '', 1200);
    const store = fromStore(at(config.storage.path), yard.summary.at, yard.summary.sensors);
    for (const [bay, view] of store.views)
      expect(withoutSensor(yard.bays.get(bay) as BayView), bay).toEqual(view);
    const plates = new Set([...yard.bays.values()].map((b) => b.truck?.plate).filter(Boolean));
    for (let i = 0; i < 8; i++) expect(plates.has(`晋C${3000 + i}`), `晋C${3000 + i}`).toBe(true);
    expect(yard.bays.get('P-0300')?.block).toMatchObject({ reason: 'disinfection' });
    expect(yard.summary.counts.blocked).toBeGreaterThan(0);
  }, 180_000);

  it('refuses a backup whose files changed since, and keeps what it replaces aside', async () => {
    const config = demoConfigForTest();
    config.simulation = { ...config.simulation, enabled: false };
    const broker = await startBroker();
    config.broker.url = broker.url;
    const gw = track(spawnGateway(config));
    await gw.waitForLog((l) => l.msg === 'gateway ready', 30_000);
    const to = mkdtempSync(join(tmpdir(), 'gatepost-usb-'));
    const made = await gatepost('backup', '--to', to, '--config', gw.configFile);
    expect(made.code).toBe(0);
    gw.child.kill('SIGINT');
    await gw.exited;
    const from = join(to, readdirSync(to)[0] ?? '');

    // Restored over the same box (stopped now): the store it replaces goes aside, -wal too.
    const back = await gatepost('restore', from);
    expect(back.code).toBe(0);
    const dir = join(config.storage.path, '..');
    expect(readdirSync(dir).filter((f) => /^gatepost\.db\.replaced-\d{8}T\d{6}Z$/.test(f))).toHaveLength(1);

    // A flipped byte in the copy of the config: refused, nothing touched.
    const manifest = JSON.parse(readFileSync(join(from, 'manifest.json'), 'utf8')) as {
      files: { role: string; path: string }[];
    };
    const cfg = join(from, manifest.files.find((f) => f.role === 'config')?.path ?? '');
    writeFileSync(cfg, `${readFileSync(cfg, 'utf8')}# changed\n`);
    const before = readdirSync(dir).sort();
    const bad = await gatepost('restore', from);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('is not the file backed up');
    expect(readdirSync(dir).sort()).toEqual(before);
  }, 90_000);
});
