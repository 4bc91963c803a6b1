import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { DiskReserve } from '../../gateway/store/disk-reserve.ts';
import { Outbox } from '../../gateway/store/outbox.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';
import { demoConfigForTest, type GatewayProcess, spawnGateway } from '../support/gateway-process.ts';
import { canMount, mountSmallDisk } from './small-disk.ts';

const MB = 1024 * 1024;
const RESERVE = 4 * MB;
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A store of 15 MB delivered and 2 MB undelivered records, then the disk filled to the last byte. */
async function fullDiskWithDeliveredRecords(dir: string): Promise<string> {
  const path = join(dir, 'gatepost.db');
  const db = openDatabase(path);
  expect(await new DiskReserve(path, RESERVE).ensure()).toBe(true);
  const store = new RecordStore({
    db,
    site: 'demo',
    clock: systemClock,
    log: silentLogger(),
    groupCommitMs: 1,
  });
  for (let i = 0; i < 150; i++) await store.append('lane/east-1', 'barrier', { i, pad: 'x'.repeat(100_000) });
  new Outbox(db).markDelivered(new Map([['lane/east-1', 150]]), Date.now());
  await Promise.all(
    Array.from({ length: 2000 }, (_, i) =>
      store.append('lane/east-1', 'barrier', { u: i, pad: 'x'.repeat(950) }),
    ),
  );
  store.close();
  db.close();
  const fd = openSync(join(dir, 'filler'), 'w');
  try {
    for (;;) writeSync(fd, Buffer.alloc(64 * 1024, 1));
  } catch (e) {
    expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    closeSync(fd);
  }
  return path;
}

describe.skipIf(!canMount())('gatepost start on a full disk (a real 48 MB tmpfs)', () => {
  it('starts, reclaims the delivered records, says so, and keeps running', async () => {
    const disk = mountSmallDisk(48);
    cleanup.push(disk.unmount);
    const path = await fullDiskWithDeliveredRecords(disk.dir);

    const config = demoConfigForTest();
    config.storage = { path, reserveBytes: RESERVE, checkIntervalMs: 200 };
    const gw: GatewayProcess = spawnGateway(config);
    cleanup.push(() => gw.stop('SIGTERM'));
    // Today: "cannot open the store ... database or disk is full", exit 1, at every start.
    const said = (msg: string) => (l: Record<string, unknown>) => String(l.msg).includes(msg);
    await Promise.race([
      gw.waitForLog(said('gateway ready'), 60_000),
      gw.exited.then((e) => {
        throw new Error(`gateway exited (${e.code ?? e.signal}): ${gw.stderr().slice(-1500)}`);
      }),
    ]);
    await gw.waitForLog(said('its reserve was released to open it'), 1000);
    await gw.waitForLog(said('storage alarm: full'), 10_000);
    await gw.waitForLog(said('the reserve is back; records are accepted again'), 30_000);
    expect(new DiskReserve(path, RESERVE).held()).toBe(RESERVE);
    await new Promise((r) => setTimeout(r, 1000));
    expect(gw.child.exitCode).toBeNull(); // still running
    gw.child.kill('SIGTERM');
    expect((await gw.exited).code).toBe(0);
  }, 120_000);
});
