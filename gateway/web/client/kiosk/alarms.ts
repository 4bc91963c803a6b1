/**
 * The kiosk's alarms: raised by the lane's alarm records (fever, isolate, tailgate, barrier
 * fault, device offline, yard full, replayed pass), the gateway's (trust list, clock), the disk
 * level and a long uplink outage. Each stays until a person at the kiosk acknowledges it; the
 * acknowledgement (who, when) is kept for the alarm log on the screen. Open alarms come by
 * severity (a fever or an isolation first, then the lane's safety, then devices and the
 * gateway), newest first within a class. Pure data.
 */
export type AlarmParams = Record<string, string | number>;

export interface KioskAlarm {
  id: string;
  kind: string;
  /** The gateway's English words, for the log only: the screen words the alarm from kind and params. */
  message: string;
  params: AlarmParams;
  at: number;
  ackedBy?: string;
  ackedAt?: number;
  /** Its condition ended before anyone acknowledged it (the gateway said `active: false`). */
  endedAt?: number;
}

/** life: fever or isolation (each acknowledged on its own); lane: the lane's safety; device: the rest. */
export type AlarmClass = 'life' | 'lane' | 'device';

const LIFE = new Set(['fever', 'isolate']);
const LANE = new Set([
  'tailgate',
  'barrier-fault',
  'barrier-unexpected-open',
  'unauthorized-passage',
  'pass-replayed',
  'scan-budget',
  'detector-stuck',
  'yard-full',
]);
const RANK: Record<AlarmClass, number> = { life: 0, lane: 1, device: 2 };

export function alarmClass(kind: string): AlarmClass {
  return LIFE.has(kind) ? 'life' : LANE.has(kind) ? 'lane' : 'device';
}

function isOpen(a: KioskAlarm): boolean {
  return a.ackedBy === undefined && a.endedAt === undefined;
}

/** An isolation before the fever that caused it when both carry the same time (one decision). */
const sameTimeFirst = (a: KioskAlarm) => (a.kind === 'isolate' ? 0 : 1);

/** Most severe first, newest first within a class; at the same time, an isolation first. */
export function bySeverity(a: KioskAlarm, b: KioskAlarm): number {
  return (
    RANK[alarmClass(a.kind)] - RANK[alarmClass(b.kind)] || b.at - a.at || sameTimeFirst(a) - sameTimeFirst(b)
  );
}

const MAX_KEPT = 20;

export class AlarmList {
  private readonly alarms: KioskAlarm[] = [];
  private readonly listeners = new Set<() => void>();

  onChange(l: () => void): void {
    this.listeners.add(l);
  }

  /** Adds an alarm unless one with this id is known (a record seen twice). */
  raise(a: Omit<KioskAlarm, 'ackedBy' | 'ackedAt' | 'endedAt'>): void {
    if (this.alarms.some((x) => x.id === a.id)) return;
    this.alarms.unshift({ ...a });
    // Drop the oldest acknowledged ones first; never an unacknowledged alarm.
    while (this.alarms.length > MAX_KEPT) {
      const i = this.alarms.findLastIndex((x) => !isOpen(x));
      if (i < 0) break;
      this.alarms.splice(i, 1);
    }
    this.emit();
  }

  /** Acknowledges one open alarm. */
  ack(staffId: string, id: string): number {
    return this.ackWhere(staffId, (a) => a.id === id);
  }

  /**
   * The banner's button: the top alarm alone when it is a fever or an isolation (each such truck
   * is seen to on its own); else every open alarm of the lane and the devices at once.
   */
  ackTop(staffId: string): number {
    const top = this.open()[0];
    if (!top) return 0;
    if (alarmClass(top.kind) === 'life') return this.ack(staffId, top.id);
    return this.ackWhere(staffId, (a) => alarmClass(a.kind) !== 'life');
  }

  /** How many the banner's button would acknowledge now. */
  topBatch(): number {
    const open = this.open();
    const top = open[0];
    if (!top) return 0;
    return alarmClass(top.kind) === 'life' ? 1 : open.filter((a) => alarmClass(a.kind) !== 'life').length;
  }

  /** The condition of a kind ended (the barrier closed again, the trust list loaded): its open alarms close. */
  resolve(kind: string, at: number): number {
    let n = 0;
    for (const a of this.alarms) {
      if (!isOpen(a) || a.kind !== kind) continue;
      a.endedAt = at;
      n++;
    }
    if (n) this.emit();
    return n;
  }

  /** Open alarms, most severe first, newest first within a class. */
  open(): KioskAlarm[] {
    return this.alarms.filter(isOpen).sort(bySeverity);
  }

  private ackWhere(staffId: string, which: (a: KioskAlarm) => boolean): number {
    const now = Date.now();
    let n = 0;
    for (const a of this.alarms) {
      if (!isOpen(a) || !which(a)) continue;
      a.ackedBy = staffId;
      a.ackedAt = now;
      n++;
    }
    if (n) this.emit();
    return n;
  }

  all(): readonly KioskAlarm[] {
    return this.alarms;
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}

/** Raises one alarm per uplink outage that lasts `afterMs`. */
export class UplinkWatch {
  private downSince: number | undefined;
  private raised = false;

  constructor(
    private readonly afterMs: number,
    private readonly raise: (since: number) => void,
  ) {}

  update(connected: boolean, since: number | null, now: number): void {
    if (connected) {
      this.downSince = undefined;
      this.raised = false;
      return;
    }
    this.downSince ??= since ?? now;
    if (!this.raised && now - this.downSince >= this.afterMs) {
      this.raised = true;
      this.raise(this.downSince);
    }
  }
}
