import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DECISION_REASONS } from '../../gateway/lanes/decision-schema.ts';
import { ALARM_KINDS } from '../../gateway/lanes/lane-records.ts';
import { GatewayAlarmSchema } from '../../gateway/mqtt/gateway-records.ts';
import { wordAlarm } from '../../gateway/web/client/kiosk/alarm-words.ts';
import { AlarmList, alarmClass, UplinkWatch } from '../../gateway/web/client/kiosk/alarms.ts';
import { attentionItems, soundFor } from '../../gateway/web/client/kiosk/attention.ts';
import { LaneModel } from '../../gateway/web/client/kiosk/lane-model.ts';
import { refusalWords, STAFF_REPLY_ERRORS } from '../../gateway/web/client/shared/refusal-words.ts';
import { EN } from '../../gateway/web/client/shared/strings-en.ts';
import { ZH } from '../../gateway/web/client/shared/strings-zh.ts';
import { bayAt, cellRect, layoutMap } from '../../gateway/web/client/yard/map-layout.ts';
import { YardModel } from '../../gateway/web/client/yard/yard-model.ts';
import { siteInfo } from '../../gateway/web/site-info.ts';
import type { BayView } from '../../gateway/yard/yard-payloads.ts';
import { parseConfig } from '../../site-config/load.ts';

/** The pages' logic that needs no browser: words, map geometry, the kiosk's and the map's models. */
const config = parseConfig(parseYaml(readFileSync('config/demo.yaml', 'utf8')));
const info = siteInfo(config, { wsPort: 9001, signIn: true });
const TRANSIT = '01a20000-0000-7000-8000-000000000001';
const GATEWAY_ALARM_KINDS = GatewayAlarmSchema.shape.kind.options;

describe('words', () => {
  it('has every key in both languages, none empty, with the same placeholders', () => {
    expect(Object.keys(EN).sort()).toEqual(Object.keys(ZH).sort());
    const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, zh] of Object.entries(ZH)) {
      const en = EN[key as keyof typeof ZH];
      expect(zh.trim(), key).not.toBe('');
      expect(en.trim(), key).not.toBe('');
      expect(params(en), key).toEqual(params(zh));
    }
  });

  it('words every decision reason and every lane alarm the gateway sends, in both languages', () => {
    const missing = [
      ...DECISION_REASONS.map((r) => `reason.${r}`),
      ...ALARM_KINDS.map((k) => `alarm.${k}`),
    ].filter((key) => !(key in ZH) || !(key in EN));
    expect(missing).toEqual([]);
  });

  it('words every error code a staff reply can carry, in both languages, and never the English reason', () => {
    // Every code the lanes, the yard and the store's writes raise can reach a page as data.code.
    const raised = new Set<string>();
    const files = [
      ...['gateway/lanes', 'gateway/yard'].flatMap((dir) =>
        readdirSync(dir)
          .filter((f) => f.endsWith('.ts'))
          .map((f) => `${dir}/${f}`),
      ),
      'gateway/store/record-store.ts',
    ];
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(/ErrorCode\.(\w+)/g)) raised.add(m[1] as string);
    }
    expect(raised.size).toBeGreaterThan(5);
    expect([...raised].filter((name) => !(STAFF_REPLY_ERRORS as readonly string[]).includes(name))).toEqual(
      [],
    );
    const missing = [...STAFF_REPLY_ERRORS.map((name) => `refusal.${name}`), 'refusal.unknown'].filter(
      (key) => !(key in ZH) || !(key in EN),
    );
    expect(missing).toEqual([]);

    const english = 'the barrier did not close: vehicle under the arm';
    const unsafe = refusalWords({ status: 'error', error: english, data: { code: 403 } });
    expect(unsafe).toBe(ZH['refusal.BarrierUnsafe']);
    const full = refusalWords({
      status: 'error',
      error: 'No free holding bay',
      data: { code: 800, reason: 'zone-full' },
    });
    expect(full).toBe(ZH['refusal.YardFull']);
    for (const data of [{ code: 12345 }, undefined, { code: 'x' }]) {
      const words = refusalWords({ status: 'error', error: english, data });
      expect(words).toBe(ZH['refusal.unknown']);
      expect(words).not.toMatch(/[A-Za-z]/);
    }
    expect(refusalWords({ status: 'no-reply', error: 'no reply within 10 s' })).toBe(ZH['action.noReply']);
  });
});

describe('yard map layout', () => {
  const zones = info.zones;
  for (const [w, h] of [
    [1480, 1010],
    [1024, 560],
  ] as const) {
    it(`puts all 1,200 bays on a ${w}×${h} map, each in its own cell, inside the map`, () => {
      const layout = layoutMap(zones, w, h);
      const cells = layout.zones.flatMap((b) => b.bays.map((bay, i) => ({ bay, r: cellRect(layout, b, i) })));
      expect(cells).toHaveLength(1200);
      for (const { bay, r } of cells) {
        expect(r.x).toBeGreaterThanOrEqual(0);
        expect(r.y).toBeGreaterThanOrEqual(0);
        expect(r.x + r.w).toBeLessThanOrEqual(w);
        expect(r.y + r.h).toBeLessThanOrEqual(h);
        // A tap in the cell finds its bay.
        expect(bayAt(layout, r.x + r.w / 2, r.y + r.h / 2)).toBe(bay);
      }
      expect(new Set(cells.map(({ r }) => `${r.x},${r.y}`)).size).toBe(1200);
      expect(layout.strip.zones.map((z) => z.kind)).toEqual(['work', 'living']);
    });
  }
  it('uses cells big enough to read and to touch on a full-HD screen', () => {
    expect(layoutMap(zones, 1480, 1010).cell).toBeGreaterThanOrEqual(26);
  });
});

describe('kiosk lane model', () => {
  it('completes the lane state with the decision record: the plate of a hand registration, who decided', () => {
    const m = new LaneModel();
    m.applyState({
      lane: 'east-1',
      mode: 'auto',
      barrier: 'closed',
      devices: { scanner: 'online' },
      transit: {
        transitId: TRANSIT,
        startedAt: 1,
        tailgate: false,
        manual: true,
        decision: {
          outcome: 'PASS',
          reasons: [{ code: 'staff-override', outcome: 'PASS', detail: 'checked' }],
        },
      },
      at: 2,
    });
    expect(m.current()?.plate).toBeUndefined();
    m.applyDecision(
      {
        lane: 'east-1',
        transitId: TRANSIT,
        outcome: 'PASS',
        reasons: [{ code: 'staff-override', outcome: 'PASS', detail: 'checked' }],
        by: 'staff',
        staffId: '200101',
        manual: { plate: '冀A12345', name: 'x', idNumber: '1234' },
      },
      3,
    );
    expect(m.current()).toMatchObject({
      plate: '冀A12345',
      decision: { outcome: 'PASS', by: 'staff', staffId: '200101' },
    });
    m.applyTransitEnd({ transitId: TRANSIT, end: 'cleared' }, 4);
    expect(m.recent).toEqual([
      expect.objectContaining({ plate: '冀A12345', outcome: 'PASS', end: 'cleared', by: 'staff' }),
    ]);
    expect(m.deviceState('scanner')).toBe('online');
  });
});

describe('kiosk alarms', () => {
  it('keeps an alarm until it is acknowledged, once per record, and says who acknowledged it', () => {
    const alarms = new AlarmList();
    alarms.raise({ id: 'r1', kind: 'fever', message: '38.4', params: {}, at: 1 });
    alarms.raise({ id: 'r1', kind: 'fever', message: '38.4', params: {}, at: 1 });
    alarms.raise({ id: 'r2', kind: 'isolate', message: 'I-0001', params: {}, at: 2 });
    expect(alarms.open().map((a) => a.id)).toEqual(['r2', 'r1']);
    // A fever or an isolation is acknowledged one at a time, the newest first.
    expect(alarms.topBatch()).toBe(1);
    expect(alarms.ackTop('200301')).toBe(1);
    expect(alarms.open().map((a) => a.id)).toEqual(['r1']);
    expect(alarms.ackTop('200302')).toBe(1);
    expect(alarms.open()).toEqual([]);
    expect(alarms.all().map((a) => a.ackedBy)).toEqual(['200301', '200302']);
  });

  it('orders open alarms by severity, newest first within a class; lane and device alarms go together', () => {
    const alarms = new AlarmList();
    const raise = (id: string, kind: string, at: number) =>
      alarms.raise({ id, kind, message: '', params: {}, at });
    raise('d1', 'device-offline', 1);
    raise('f1', 'fever', 2);
    raise('t1', 'tailgate', 3);
    raise('d2', 'clock', 4);
    raise('i1', 'isolate', 5);
    raise('u1', 'unauthorized-passage', 6);
    expect(alarms.open().map((a) => a.id)).toEqual(['i1', 'f1', 'u1', 't1', 'd2', 'd1']);
    expect(alarms.ack('200301', 'f1')).toBe(1);
    expect(alarms.ackTop('200301')).toBe(1); // i1 alone
    expect(alarms.topBatch()).toBe(4);
    expect(alarms.ackTop('200301')).toBe(4);
    expect(alarms.open()).toEqual([]);
    expect(alarmClass('barrier-fault')).toBe('lane');
    expect(alarmClass('trust-list')).toBe('device');
  });

  it('closes the open alarms of a kind when its condition ends, and keeps them in the log', () => {
    const alarms = new AlarmList();
    alarms.raise({ id: 'b1', kind: 'barrier-unexpected-open', message: '', params: {}, at: 1 });
    alarms.raise({ id: 'd1', kind: 'device-offline', message: '', params: { device: 'scanner' }, at: 2 });
    expect(alarms.resolve('barrier-unexpected-open', 5)).toBe(1);
    expect(alarms.open().map((a) => a.id)).toEqual(['d1']);
    const ended = alarms.all().find((a) => a.id === 'b1');
    expect([ended?.endedAt, ended?.ackedBy]).toEqual([5, undefined]);
    expect(alarms.resolve('barrier-unexpected-open', 6)).toBe(0);
  });

  it('puts attention in order: fever, gateway lost, lane safety, REVIEW, devices; silenced last', () => {
    const alarm = (id: string, kind: string, at: number) => ({ id, kind, message: '', params: {}, at });
    const items = attentionItems({
      alarms: [alarm('f', 'fever', 1), alarm('t', 'tailgate', 3), alarm('d', 'device-offline', 4)],
      gatewayLost: true,
      gatewaySilenced: false,
      review: { transitId: TRANSIT, plate: '晋D10002' },
      reviewSilenced: false,
    });
    expect(items.map((x) => x.sound)).toEqual(['fever', 'gateway', 'lane', 'review', 'device']);
    expect(soundFor(items)).toBe('fever');
    const quiet = attentionItems({
      alarms: [alarm('d', 'device-offline', 4)],
      gatewayLost: true,
      gatewaySilenced: true,
      review: { transitId: TRANSIT, plate: undefined },
      reviewSilenced: false,
    });
    expect(quiet.map((x) => x.kind)).toEqual(['review', 'alarm', 'gateway']);
    expect(soundFor(quiet)).toBe('review');
    expect(soundFor([])).toBeUndefined();
  });

  it("words every alarm kind from its params in both languages, without the gateway's English", () => {
    for (const kind of [...ALARM_KINDS, ...GATEWAY_ALARM_KINDS, 'storage', 'uplink']) {
      for (const key of [`alarm.${kind}`, `alarmWhat.${kind}`, `alarmDo.${kind}`]) {
        expect(key in ZH, key).toBe(true);
      }
    }
    const w = wordAlarm('fever', { plate: '豫A20003', temperatureC: 38.4 });
    expect(w.what).toBe('豫A20003 司机体温 38.4 °C');
    expect(w.todo).toContain('医务人员');
    const d = wordAlarm('device-offline', { device: 'scanner', sinceStart: 1 });
    expect(d.what).toBe('扫码器自启动以来一直离线');
    expect(wordAlarm('isolate', { reason: 'fever', bay: 'I-0002' }).todo).toContain('I-0002');
    expect(wordAlarm('isolate', { reason: 'fever', barrierOpen: 1 }).todo).toContain('栏杆已抬起');
    expect(wordAlarm('pass-replayed', { earlierLane: 'east-1' }, 'east-1').what).toContain('本车道');
    expect(wordAlarm('something-new', {}).title).toBe('其他告警');
  });

  it('raises one uplink alarm per outage that lasts long enough', () => {
    const raised: number[] = [];
    const w = new UplinkWatch(300_000, (since) => raised.push(since));
    w.update(false, 1_000, 100_000);
    w.update(false, 1_000, 301_000);
    w.update(false, 1_000, 400_000);
    expect(raised).toEqual([1_000]);
    w.update(true, 500_000, 500_000);
    w.update(false, 600_000, 1_000_000);
    expect(raised).toEqual([1_000, 600_000]);
  });
});

describe('yard map model', () => {
  const view = (bay: string, state: BayView['state'], extra: Partial<BayView> = {}): BayView => ({
    bay,
    zone: bay.startsWith('P') ? 'parking' : 'isolation',
    zoneKind: bay.startsWith('P') ? 'parking' : 'isolation',
    state,
    since: 0,
    sensor: { state: 'none' },
    ...extra,
  });

  it('counts bays per zone and state as they change; unknown until each bay is heard of', () => {
    const m = new YardModel(info);
    expect(m.total.unknown).toBe(1200);
    m.apply(view('P-0001', 'free'));
    m.apply(view('P-0001', 'reserved'));
    m.apply(view('I-0001', 'isolation'));
    expect(m.counts.get('parking')).toMatchObject({ unknown: 899, reserved: 1, free: 0 });
    expect(m.counts.get('isolation')).toMatchObject({ unknown: 99, isolation: 1 });
    expect(m.total).toMatchObject({ unknown: 1198, reserved: 1, isolation: 1 });
    expect(m.apply(view('X-0001', 'free'))).toBe(false);
  });

  it('lists results due soonest first, overdue ones flagged; finds plates however they are typed', () => {
    const m = new YardModel(info);
    const truck = (plate: string, dueAt: number, overdue = false) => ({
      visitId: plate,
      plate,
      intent: 'yard' as const,
      reservedAt: 0,
      arrivedAt: 0,
      isolated: false,
      samples: [{ id: `s-${plate}`, kind: 'antigen' as const, at: 0, dueAt, overdue }],
    });
    m.apply(view('P-0001', 'sampled', { truck: truck('晋A11111', 5_000) }));
    m.apply(view('P-0002', 'overdue', { truck: truck('晋A22222', 1_000, true) }));
    m.apply(view('P-0003', 'sampled', { truck: truck('冀B33333', 3_000) }));
    expect(m.due(4_000).map((d) => [d.bay, d.overdue])).toEqual([
      ['P-0002', true],
      ['P-0003', true],
      ['P-0001', false],
    ]);
    expect(m.search('晋a 222')).toEqual(['P-0002']);
    m.filters = { states: new Set(['sampled']), zone: undefined, plate: '' };
    expect(['P-0001', 'P-0002', 'P-0003'].map((b) => m.matches(b))).toEqual([true, false, true]);
  });
});
