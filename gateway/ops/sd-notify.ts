import { execFile } from 'node:child_process';
import type { Logger } from '../../core/logger.ts';

/**
 * systemd's service notifications (`Type=notify`, `WatchdogSec=`; see ops/gatepost.service):
 * READY=1 once started, WATCHDOG=1 every half watchdog interval from a timer on the event loop
 * (so a hung loop stops the pings and systemd restarts the service), STATUS= lines, and
 * STOPPING=1 on shutdown.
 *
 * How: the protocol is a datagram on the unix socket named by NOTIFY_SOCKET, and Node has no
 * unix datagram sockets. Rather than a native addon, the `systemd-notify` binary (package
 * systemd, on every box that runs systemd) is run for each message. It blocks until systemd has
 * processed the message, so systemd can still tell which service it came from
 * (`NotifyAccess=all` in the unit: the sender is a child of the main process). Without
 * NOTIFY_SOCKET (not started by systemd: a shell, the tests) every call does nothing.
 */
export interface SdNotifyOptions {
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** The binary to run (default `systemd-notify` on the PATH). */
  binary?: string;
  /** Pass `--no-block` (tests: a receiver that is not systemd never answers the barrier). */
  noBlock?: boolean;
  /** Longest a run may take (default 10 s). */
  timeoutMs?: number;
  /** Checked before each watchdog ping; a false skips it (default: always healthy). */
  healthy?: () => boolean;
}

export class SdNotify {
  readonly enabled: boolean;
  /** WatchdogSec in ms for this process (WATCHDOG_USEC, if WATCHDOG_PID is unset or ours). */
  readonly watchdogMs: number | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private timer: NodeJS.Timeout | undefined;
  private pinging = false;
  private warned = false;

  constructor(private readonly o: SdNotifyOptions) {
    this.env = o.env ?? process.env;
    this.enabled = Boolean(this.env.NOTIFY_SOCKET);
    const usec = Number(this.env.WATCHDOG_USEC);
    const pid = this.env.WATCHDOG_PID;
    const ours = pid === undefined || pid === '' || Number(pid) === process.pid;
    this.watchdogMs = this.enabled && ours && usec > 0 ? usec / 1000 : undefined;
  }

  /** READY=1 with a status line, and the watchdog pings from now on (if systemd asked for them). */
  async ready(status: string): Promise<void> {
    await this.send(['READY=1', `STATUS=${status}`]);
    this.startWatchdog();
  }

  status(text: string): Promise<void> {
    return this.send([`STATUS=${text}`]);
  }

  async stopping(): Promise<void> {
    this.stopWatchdog();
    await this.send(['STOPPING=1']);
  }

  startWatchdog(): void {
    if (this.watchdogMs === undefined || this.timer) return;
    const every = Math.max(500, this.watchdogMs / 2);
    this.timer = setInterval(() => this.ping(), every);
    this.timer.unref();
  }

  stopWatchdog(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private ping(): void {
    // One at a time: a slow run must not pile up processes.
    if (this.pinging || (this.o.healthy && !this.o.healthy())) return;
    this.pinging = true;
    void this.send(['WATCHDOG=1']).finally(() => {
      this.pinging = false;
    });
  }

  /** Runs systemd-notify with the assignments; never throws. */
  send(assignments: string[]): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const args = [...(this.o.noBlock ? ['--no-block'] : []), ...assignments];
    return new Promise((resolve) => {
      execFile(
        this.o.binary ?? 'systemd-notify',
        args,
        { env: this.env, timeout: this.o.timeoutMs ?? 10_000 },
        (err) => {
          if (err && !this.warned) {
            this.warned = true;
            this.o.log.warn(
              { err: err.message },
              'systemd notification failed (is systemd-notify installed?)',
            );
          }
          resolve();
        },
      );
    });
  }
}
