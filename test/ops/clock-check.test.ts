import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import type { ClockStatus, GatewayAlarm } from '../../gateway/mqtt/gateway-records.ts';
import {
  assessClock,
  type NtpFacts,
  newestRecordAt,
  parseTimedatectl,
} from '../../gateway/ops/clock-check.ts';
import { ClockMonitor } from '../../gateway/ops/clock-monitor.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';

const T = Date.UTC(2026, 4, 10, 8, 0, 0);
const MIN = 60_000;

describe('assessClock: the decision, from injected facts', () => {
  const cases: [string, Parameters<typeof assessClock>[0], string][] = [
    [
      'NTP synchronised, ahead of the records',
      { now: T, newestRecordAt: T - MIN, ntp: { synchronized: true, rtc: false } },
      'synchronised',
    ],
    [
      'a reset clock (1970) after a power cut',
      { now: 5_000, newestRecordAt: undefined, ntp: undefined },
      'unsynchronised',
    ],
    [
      'fake-hwclock restored an hour behind the last record',
      { now: T - 60 * MIN, newestRecordAt: T, ntp: undefined },
      'unsynchronised',
    ],
    [
      'behind the records even though NTP claims sync',
      { now: T - 60 * MIN, newestRecordAt: T, ntp: { synchronized: true, rtc: true } },
      'unsynchronised',
    ],
    [
      '30 s behind: within the tolerance for an NTP step',
      { now: T - 30_000, newestRecordAt: T, ntp: undefined },
      'unverified',
    ],
    [
      'no RTC and NTP not synchronised yet',
      { now: T, newestRecordAt: T - MIN, ntp: { synchronized: false, rtc: false } },
      'unsynchronised',
    ],
    [
      'an RTC keeps the time; NTP not yet',
      { now: T, newestRecordAt: T - MIN, ntp: { synchronized: false, rtc: true } },
      'unverified',
    ],
    ['no timedatectl, an empty store', { now: T, newestRecordAt: undefined, ntp: undefined }, 'unverified'],
  ];
  it.each(cases)('%s', (_name, facts, state) => {
    const verdict = assessClock(facts);
    expect(verdict.state).toBe(state);
    expect(verdict.reason.length).toBeGreaterThan(5);
  });

  it('takes the tolerance and the earliest plausible time as options', () => {
    expect(
      assessClock({ now: T - 30_000, newestRecordAt: T, ntp: undefined }, { toleranceMs: 10_000 }).state,
    ).toBe('unsynchronised');
    expect(
      assessClock({ now: T, newestRecordAt: undefined, ntp: undefined }, { notBefore: T + 1 }).state,
    ).toBe('unsynchronised');
  });

  it('the reason says how far behind the clock is', () => {
    const v = assessClock({ now: T - 3_600_000, newestRecordAt: T, ntp: undefined });
    expect(v.reason).toContain('3600 s behind');
  });
});

describe('parseTimedatectl', () => {
  it('reads NTPSynchronized and whether there is an RTC', () => {
    const out =
      'Timezone=UTC\nLocalRTC=no\nCanNTP=yes\nNTP=yes\nNTPSynchronized=no\nTimeUSec=Sun 2026-05-10 08:00:00 UTC\nRTCTimeUSec=\n';
    expect(parseTimedatectl(out)).toEqual({ synchronized: false, rtc: false });
    expect(parseTimedatectl('NTPSynchronized=yes\nRTCTimeUSec=Sun 2026-05-10 08:00:00 UTC\n')).toEqual({
      synchronized: true,
      rtc: true,
    });
    expect(parseTimedatectl('System has not been booted with systemd')).toBeUndefined();
  });
});

describe('newestRecordAt', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('is the `at` of the newest record over every stream, undefined for an empty store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatepost-clock-'));
    dirs.push(dir);
    const db = openDatabase(join(dir, 'g.db'));
    expect(newestRecordAt(db)).toBeUndefined();
    const clock = new ManualClock(T);
    const store = new RecordStore({ db, site: 'demo', clock, log: silentLogger(), groupCommitMs: 0 });
    await store.append('lane/east-1', 'scan', { n: 1 });
    await clock.advance(5 * MIN);
    await store.append('yard', 'bay', { n: 2 });
    await clock.advance(MIN);
    await store.append('lane/east-1', 'scan', { n: 3 });
    expect(newestRecordAt(db)).toBe(T + 6 * MIN);
    store.close();
    db.close();
  });
});

describe('ClockMonitor', () => {
  function monitor(facts: { now: number; ntp: NtpFacts | undefined }, newest: number | undefined) {
    const alarms: GatewayAlarm[] = [];
    const statuses: ClockStatus[] = [];
    const m = new ClockMonitor({
      now: () => facts.now,
      newestRecordAt: newest,
      readNtp: async () => facts.ntp,
      alarm: async (a) => alarms.push(a),
      publish: async (s) => statuses.push(s),
      log: silentLogger(),
    });
    return { m, alarms, statuses };
  }

  it('raises a clock alarm once when unsynchronised, and clears it when NTP has fixed the time', async () => {
    const facts = { now: T - 60 * MIN, ntp: { synchronized: false, rtc: false } as NtpFacts | undefined };
    const { m, alarms, statuses } = monitor(facts, T);
    expect((await m.check()).state).toBe('unsynchronised');
    await m.check();
    expect(alarms).toEqual([expect.objectContaining({ kind: 'clock', active: true })]);
    expect(statuses.at(-1)).toMatchObject({
      state: 'unsynchronised',
      ntpSynchronized: false,
      rtc: false,
      newestRecordAt: T,
    });

    facts.now = T + MIN;
    facts.ntp = { synchronized: true, rtc: false };
    expect((await m.check()).state).toBe('synchronised');
    expect(alarms).toHaveLength(2);
    expect(alarms[1]).toMatchObject({ kind: 'clock', active: false });
    expect(statuses.at(-1)).toMatchObject({ state: 'synchronised', at: T + MIN });
    expect(m.state).toBe('synchronised');
  });

  it('raises nothing for a good clock, but still publishes the status', async () => {
    const { m, alarms, statuses } = monitor({ now: T, ntp: { synchronized: true, rtc: true } }, T - MIN);
    expect((await m.check()).state).toBe('synchronised');
    expect(alarms).toEqual([]);
    expect(statuses).toHaveLength(1);
  });
});
