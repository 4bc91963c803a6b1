/**
 * The kiosk's alarms: raised by the lane's alarm records (fever, isolate, tailgate, barrier
 * fault, device offline, yard full, replayed pass), the gateway's (trust list, clock), the disk
 * level and a long uplink outage. Each stays until a person at the kiosk acknowledges it; the
 * acknowledgement (who, when) is kept for the alarm log on the screen. Pure data.
 */
export interface KioskAlarm {
  id: string;
  kind: string;
  message: string;
  at: number;
  plate?: string;
  ackedBy?: string;
  ackedAt?: number;
}

const MAX_KEPT = 20;

export class AlarmList {
  private readonly alarms: KioskAlarm[] = [];
  private readonly listeners = new Set<() => void>();

  onChange(l: () => void): void {
    this.listeners.add(l);
  }

  /** Adds an alarm unless one with this id is known (a record seen twice). */
  raise(a: Omit<KioskAlarm, 'ackedBy' | 'ackedAt'>): void {
    if (this.alarms.some((x) => x.id === a.id)) return;
    this.alarms.unshift({ ...a });
    // Drop the oldest acknowledged ones first; never an unacknowledged alarm.
    while (this.alarms.length > MAX_KEPT) {
      const i = this.alarms.findLastIndex((x) => x.ackedBy !== undefined);
      if (i < 0) break;
      this.alarms.splice(i, 1);
    }
    this.emit();
  }

  /** Acknowledges every open alarm (the banner's button), or one by id. */
  ack(staffId: string, id?: string): number {
    const now = Date.now();
    let n = 0;
    for (const a of this.alarms) {
      if (a.ackedBy !== undefined || (id !== undefined && a.id !== id)) continue;
      a.ackedBy = staffId;
      a.ackedAt = now;
      n++;
    }
    if (n) this.emit();
    return n;
  }

  /** Open alarms, newest first. */
  open(): KioskAlarm[] {
    return this.alarms.filter((a) => a.ackedBy === undefined);
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
