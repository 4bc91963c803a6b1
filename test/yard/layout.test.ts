import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { chooseBay } from '../../gateway/yard/assignment.ts';
import { buildLayout } from '../../gateway/yard/layout.ts';
import { KeyedLocks } from '../../gateway/yard/locks.ts';
import { parseConfig } from '../../site-config/load.ts';

describe('yard layout from the config', () => {
  it('the demo yard: five zones, 1,200 truck bays in parking, isolation and hand-over, labels like P-0412', () => {
    const config = parseConfig(parseYaml(readFileSync('config/demo.yaml', 'utf8')));
    const layout = buildLayout(config.yard);
    expect(layout.zones.map((z) => z.kind)).toEqual(['work', 'living', 'parking', 'isolation', 'handover']);
    expect(
      layout.zones.filter((z) => z.kind === 'work' || z.kind === 'living').every((z) => z.bays.length === 0),
    ).toBe(true);
    expect(layout.bays.size).toBe(1200);
    const expectedSizes = config.yard.zones.map((z) => z.bays.reduce((n, r) => n + r.to - r.from + 1, 0));
    expect(layout.zones.map((z) => z.bays.length)).toEqual(expectedSizes);
    expect(layout.bays.get('P-0412')).toMatchObject({
      zone: 'parking',
      zoneKind: 'parking',
      rank: 411,
      sensed: true,
    });
    expect(layout.bays.get('I-0001')).toMatchObject({ zoneKind: 'isolation', rank: 0 });
    expect(layout.byKind.get('handover')?.at(-1)).toBe('H-0200');
    const sensed = [...layout.bays.values()].filter((b) => b.sensed).length;
    const configured = config.yard.baySensorBuses
      .flatMap((b) => b.sensors)
      .reduce((n, r) => n + r.toBay - r.fromBay + 1, 0);
    expect(sensed).toBe(configured);
  });
});

describe('assignment policies', () => {
  const bays = ['A', 'B', 'C', 'D', 'E'];

  it('nearest-gate takes the first available bay in gate order, refilling holes near the gate', () => {
    const free = new Set(['B', 'D', 'E']);
    expect(chooseBay('nearest-gate', bays, (b) => free.has(b), 3)).toBe('B');
  });

  it('fill-rows continues after the bay assigned last and wraps round at the end', () => {
    const free = new Set(['B', 'D', 'E']);
    expect(chooseBay('fill-rows', bays, (b) => free.has(b), 2)).toBe('D');
    expect(chooseBay('fill-rows', bays, (b) => free.has(b), 4)).toBe('B');
    expect(chooseBay('fill-rows', bays, (b) => free.has(b), undefined)).toBe('B');
  });

  it('finds nothing when nothing is available', () => {
    expect(chooseBay('nearest-gate', bays, () => false)).toBeUndefined();
    expect(chooseBay('fill-rows', bays, () => false, 1)).toBeUndefined();
    expect(chooseBay('fill-rows', [], () => true, 0)).toBeUndefined();
  });
});

describe('keyed locks', () => {
  it('a change waits for the keys it shares with another, not for unrelated ones', async () => {
    const locks = new KeyedLocks();
    const order: string[] = [];
    const a = await locks.acquire(['bay:1']);
    const b = locks.acquire(['bay:1', 'bay:2']).then((release) => {
      order.push('b');
      return release;
    });
    const c = await locks.acquire(['bay:3']);
    order.push('c');
    expect(locks.isHeld('bay:2')).toBe(false);
    a();
    (await b)();
    c();
    expect(order).toEqual(['c', 'b']);
    expect(locks.idle).toBe(true);
  });

  it('an exclusive hold waits for changes in flight and keeps new ones out; held changes may still add keys', async () => {
    const locks = new KeyedLocks();
    const inFlight = await locks.acquire(['bay:1']);
    let exclusiveGranted = false;
    const exclusive = locks.exclusive().then((r) => {
      exclusiveGranted = true;
      return r;
    });
    let lateGranted = false;
    const late = locks.acquire(['bay:9']).then((r) => {
      lateGranted = true;
      return r;
    });
    const extra = locks.tryAcquire(['bay:2']);
    expect(extra).toBeDefined();
    await Promise.resolve();
    expect(exclusiveGranted).toBe(false);
    extra?.();
    inFlight();
    const release = await exclusive;
    expect(lateGranted).toBe(false);
    expect(locks.isHeld('bay:42')).toBe(true);
    release();
    (await late)();
    expect(lateGranted).toBe(true);
  });
});
