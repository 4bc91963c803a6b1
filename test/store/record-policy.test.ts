import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { mayHoldPersonalData, scrubPersonalData } from '../../gateway/store/personal-data.ts';
import { RecordPolicy } from '../../gateway/store/record-policy.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';
import { StorageConfigSchema } from '../../site-config/schema.ts';
import { protectedConflict } from '../../site-config/telemetry-types.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

const stops: (() => void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  await removeTempDirs();
});

describe('record policy', () => {
  it('makes only bulky telemetry sheddable', () => {
    const p = new RecordPolicy();
    for (const t of ['telemetry', 'telemetry-raw', 'reading', 'reading-thermometer', 'device-health']) {
      expect(p.isSheddable(t), t).toBe(true);
    }
    for (const t of [
      'transit-start',
      'decision',
      'barrier',
      'bay-reserved',
      'scan',
      'sample-recorded',
      'storage-alarm',
      'alarm',
      'measurement',
    ]) {
      expect(p.isSheddable(t), t).toBe(false);
    }
  });

  it('never lets the config make transit, decision, test or audit records sheddable', () => {
    expect(protectedConflict('reading*')).toBeUndefined();
    expect(protectedConflict('decision')).toMatch(/protected/);
    expect(protectedConflict('t*')).toMatch(/transit|test/);
    expect(protectedConflict('yard-telemetry')).toMatch(/yard-/);
    expect(() => new RecordPolicy(['audit-log'])).toThrow(/protected/);
    const r = StorageConfigSchema.safeParse({ telemetryTypes: ['reading', 'decision'] });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path)).toEqual([['telemetryTypes', 1]]);
  });

  it('commits what a camera waits on for its 200 without waiting for the group-commit window', async () => {
    const db = openDatabase(join(await makeTempDir('gatepost-policy-'), 'g.db'));
    // A window far longer than the test: only a record that skips it can be committed in time.
    const store = new RecordStore({
      db,
      site: 'demo',
      clock: systemClock,
      log: silentLogger(),
      groupCommitMs: 60_000,
    });
    stops.push(() => {
      store.close();
      db.close();
    });
    const late = new Promise<'window'>((r) => setTimeout(() => r('window'), 5_000));
    const windowed = store.append('lane/east-1', 'transit-start', { i: 0 });
    const sighting = store.append('lane/east-1', 'plate-sighting', { plate: '晋A10000' });
    const temperature = store.append('lane/east-1', 'camera-temperature', { celsius: 36.6 });
    expect(new RecordPolicy().urgency('plate-sighting')).toBe('soon');
    expect((await Promise.race([sighting, late])) === 'window').toBe(false);
    expect((await Promise.race([temperature, late])) === 'window').toBe(false);
    // Records queued before them in the same turn share their commit (their order is kept) ...
    expect((await Promise.race([windowed, late])) === 'window').toBe(false);
    expect(store.readStream('lane/east-1').map((r) => r.type)).toEqual([
      'transit-start',
      'plate-sighting',
      'camera-temperature',
    ]);
    // ... and a record of the window alone still waits for it.
    void store.append('lane/east-1', 'transit-end', { i: 1 });
    await new Promise((r) => setTimeout(r, 50));
    expect(store.queued()).toBe(1);
  });

  it('checks the alarm levels make sense', () => {
    expect(StorageConfigSchema.safeParse({ alarmRatios: [0.95, 0.8] }).error?.issues[0]?.path).toEqual([
      'alarmRatios',
    ]);
    expect(StorageConfigSchema.safeParse({ reclaimTargetRatio: 0.85 }).error?.issues[0]?.path).toEqual([
      'reclaimTargetRatio',
    ]);
  });
});

describe('personal data', () => {
  it('finds records that may hold names, ID numbers or pass contents', () => {
    expect(mayHoldPersonalData(JSON.stringify({ manual: { name: 'x' } }))).toBe(true);
    expect(mayHoldPersonalData(JSON.stringify({ code: 'HC1:...' }))).toBe(true);
    expect(mayHoldPersonalData(JSON.stringify({ lane: 'east-1', outcome: 'PASS', plate: 'AB1' }))).toBe(
      false,
    );
  });

  it('replaces exactly the personal fields, deeply', () => {
    const out = scrubPersonalData(
      {
        lane: 'east-1',
        name: 'East lane 1',
        manual: { plate: 'AB1', name: 'Li Lei', idNumber: '1234' },
        visits: [{ subject: 's-1', zone: { name: 'parking' } }],
        code: 'GP1:xyz',
        count: 3,
      },
      (s) => `<${s.length}>`,
    );
    expect(out).toEqual({
      lane: 'east-1',
      name: 'East lane 1',
      manual: { plate: 'AB1', name: '<6>', idNumber: '<4>' },
      visits: [{ subject: '<3>', zone: { name: 'parking' } }],
      code: '<7>',
      count: 3,
    });
  });
});
