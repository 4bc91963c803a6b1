import { execFile } from 'node:child_process';
import type { Database } from 'better-sqlite3';

/**
 * Is the wall clock trustworthy? Pass expiry, test recency and the yard's result timers all read
 * it. A box without a real-time clock that loses power boots with whatever time it saved last
 * (Debian's fake-hwclock) or with 1970, and NTP may take minutes to days to fix it when the
 * uplink is down. This file decides from facts; clock-monitor.ts gathers them and raises the
 * alarm.
 */
export type ClockState = 'synchronised' | 'unverified' | 'unsynchronised';

/** What systemd-timesyncd / chrony report through `timedatectl show`. */
export interface NtpFacts {
  /** `NTPSynchronized`: the kernel clock was disciplined by NTP. */
  synchronized: boolean;
  /** Whether the box has a battery-backed RTC (`RTCTimeUSec` is set). */
  rtc: boolean;
}

export interface ClockFacts {
  /** The wall clock now, epoch ms. */
  now: number;
  /** `at` of the newest record in the store, written before this start (undefined: none). */
  newestRecordAt: number | undefined;
  /** undefined where timedatectl is not available (containers, no systemd). */
  ntp: NtpFacts | undefined;
}

export interface ClockCheckOptions {
  /** How far behind the newest record the clock may be before that counts (NTP steps, default 60 s). */
  toleranceMs?: number;
  /** A clock before this cannot be right (default: 2025-01-01, before this software existed). */
  notBefore?: number;
}

export interface ClockVerdict {
  state: ClockState;
  /** Why, in plain words (the alarm message). */
  reason: string;
}

const DEFAULT_CLOCK_TOLERANCE_MS = 60_000;
const DEFAULT_NOT_BEFORE = Date.UTC(2025, 0, 1);

/**
 * - before `notBefore`: unsynchronised (a reset clock);
 * - behind the newest stored record by more than the tolerance: unsynchronised (time went back
 *   over a power cut);
 * - NTP synchronised: synchronised;
 * - NTP not synchronised and no RTC: unsynchronised (nothing vouches for the time);
 * - otherwise (RTC without NTP, or no timedatectl): unverified, not an alarm.
 */
export function assessClock(facts: ClockFacts, options: ClockCheckOptions = {}): ClockVerdict {
  const tolerance = options.toleranceMs ?? DEFAULT_CLOCK_TOLERANCE_MS;
  const notBefore = options.notBefore ?? DEFAULT_NOT_BEFORE;
  if (facts.now < notBefore) {
    return {
      state: 'unsynchronised',
      reason: `the clock reads ${iso(facts.now)}, before ${iso(notBefore)}: it was reset (no RTC, no NTP yet)`,
    };
  }
  if (facts.newestRecordAt !== undefined && facts.now + tolerance < facts.newestRecordAt) {
    const behind = Math.round((facts.newestRecordAt - facts.now) / 1000);
    return {
      state: 'unsynchronised',
      reason: `the clock reads ${iso(facts.now)}, ${behind} s behind the newest stored record (${iso(facts.newestRecordAt)}): time went back, e.g. over a power cut without an RTC`,
    };
  }
  if (facts.ntp?.synchronized) return { state: 'synchronised', reason: 'NTP synchronised' };
  if (facts.ntp && !facts.ntp.rtc) {
    return {
      state: 'unsynchronised',
      reason: 'NTP is not synchronised and the box has no RTC: nothing vouches for the time',
    };
  }
  if (facts.ntp) return { state: 'unverified', reason: 'kept by the RTC; NTP is not synchronised yet' };
  return {
    state: 'unverified',
    reason: 'no NTP status available (timedatectl); not behind the stored records',
  };
}

/** Parses `timedatectl show` output (KEY=value lines). */
export function parseTimedatectl(output: string): NtpFacts | undefined {
  const props = new Map<string, string>();
  for (const line of output.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) props.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const synced = props.get('NTPSynchronized');
  if (synced !== 'yes' && synced !== 'no') return undefined;
  const rtc = props.get('RTCTimeUSec') ?? '';
  return { synchronized: synced === 'yes', rtc: rtc !== '' && rtc !== 'n/a' };
}

/** Asks `timedatectl show`; undefined where it is missing or systemd is not running. */
export function readNtpFacts(timeoutMs = 2000): Promise<NtpFacts | undefined> {
  return new Promise((resolve) => {
    execFile('timedatectl', ['show'], { timeout: timeoutMs }, (err, stdout) => {
      resolve(err ? undefined : parseTimedatectl(String(stdout)));
    });
  });
}

/**
 * `at` of the newest record: the last record of each stream (by the stream's last seq, an
 * indexed lookup, not a scan of the table). Read it before this run appends anything.
 */
export function newestRecordAt(db: Database): number | undefined {
  const row = db
    .prepare(
      `SELECT MAX(r.at) AS at FROM streams s JOIN records r ON r.stream = s.stream AND r.seq = s.last_seq`,
    )
    .get() as { at: number | null } | undefined;
  return row?.at ?? undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
