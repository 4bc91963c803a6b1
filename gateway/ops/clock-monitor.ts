import type { Logger } from '../../core/logger.ts';
import type { ClockStatus, GatewayAlarm } from '../mqtt/gateway-records.ts';
import {
  assessClock,
  type ClockCheckOptions,
  type ClockState,
  type ClockVerdict,
  type NtpFacts,
  readNtpFacts,
} from './clock-check.ts';

export interface ClockMonitorOptions {
  /** The gateway's clock (what pass expiry and the yard timers read). */
  now: () => number;
  /** `at` of the newest record stored before this start (newestRecordAt of clock-check.ts). */
  newestRecordAt: number | undefined;
  /** Records an alarm on the gateway stream (RecordSink → store, then the local broker). */
  alarm: (data: GatewayAlarm) => Promise<unknown>;
  /** Publishes the retained status on `gatepost/<site>/gateway/clock`. */
  publish: (status: ClockStatus) => Promise<unknown>;
  log: Logger;
  /** NTP facts; `timedatectl show` by default. */
  readNtp?: () => Promise<NtpFacts | undefined>;
  /** How often to check again (default 60 s): the alarm clears once NTP has fixed the time. */
  intervalMs?: number;
  check?: ClockCheckOptions;
}

/**
 * Runs the clock check on start and every `intervalMs`: an `alarm` record of kind `clock`
 * (active) when the clock becomes unsynchronised and one with `active: false` when it is
 * trustworthy again, a log line for each, and the retained status every time.
 */
export class ClockMonitor {
  private current: ClockState | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ClockVerdict> | undefined;

  constructor(private readonly o: ClockMonitorOptions) {}

  get state(): ClockState | undefined {
    return this.current;
  }

  /** Checks once now, then every intervalMs. Resolves with the first verdict. */
  async start(): Promise<ClockVerdict> {
    const first = await this.check();
    this.timer = setInterval(() => void this.check(), this.o.intervalMs ?? 60_000);
    this.timer.unref();
    return first;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  check(): Promise<ClockVerdict> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<ClockVerdict> {
    const ntp = await (this.o.readNtp ?? readNtpFacts)().catch(() => undefined);
    const now = this.o.now();
    const verdict = assessClock({ now, newestRecordAt: this.o.newestRecordAt, ntp }, this.o.check);
    const previous = this.current;
    this.current = verdict.state;
    const bad = verdict.state === 'unsynchronised';
    const wasBad = previous === 'unsynchronised';
    if (bad && !wasBad) {
      this.o.log.error({ reason: verdict.reason }, 'clock alarm: the clock is not synchronised');
      await this.raise({
        kind: 'clock',
        message: verdict.reason,
        active: true,
        params: { state: verdict.state },
      });
    } else if (!bad && wasBad) {
      this.o.log.info({ reason: verdict.reason }, 'clock alarm cleared');
      await this.raise({
        kind: 'clock',
        message: `clock ${verdict.state}: ${verdict.reason}`,
        active: false,
        params: { state: verdict.state },
      });
    } else if (previous === undefined) {
      this.o.log.info({ state: verdict.state, reason: verdict.reason }, 'clock check');
    }
    const status: ClockStatus = {
      state: verdict.state,
      reason: verdict.reason,
      ntpSynchronized: ntp?.synchronized ?? null,
      rtc: ntp?.rtc ?? null,
      newestRecordAt: this.o.newestRecordAt ?? null,
      at: now,
    };
    await this.o
      .publish(status)
      .catch((err: unknown) => this.o.log.debug({ err }, 'clock status not published'));
    return verdict;
  }

  private async raise(alarm: GatewayAlarm): Promise<void> {
    try {
      await this.o.alarm(alarm);
    } catch (err) {
      this.o.log.error({ err }, 'cannot record the clock alarm');
    }
  }
}
