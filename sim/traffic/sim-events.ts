import type { Clock } from '../../core/clock.ts';
import { formatRunTime } from '../scenario/duration.ts';

/**
 * What the simulation did, in order:
 *  - `device`: a call on a simulated device's control API (a vehicle on a loop, a code
 *    scanned with its bytes, a target in front of a thermometer, a bay occupied, ...);
 *  - `fault`: a fault injected or cleared;
 *  - `truck`: a truck's milestones (arrived, backed off, parked, left);
 *  - `gateway`: what was seen of the gateway (a decision) or done through it (yard requests);
 *  - `scenario`: a timeline entry that changed the traffic.
 * With a ManualClock and no real gateway, the sequence is a function of the seed alone.
 */
export type SimEventKind = 'device' | 'fault' | 'truck' | 'gateway' | 'scenario';

export interface SimEvent {
  /** Clock milliseconds since the run started. */
  t: number;
  kind: SimEventKind;
  /** What it is about: `east-1 scanner`, `truck T0042`, `bay P-0412`, ... */
  subject: string;
  action: string;
  detail?: string;
}

export type SimEventListener = (event: SimEvent) => void;

/** The run's event stream: listeners (tests, a file log) and the last few events for the summary. */
export class SimEventLog {
  private readonly listeners = new Set<SimEventListener>();
  private readonly ring: SimEvent[] = [];
  private origin: number;

  constructor(
    private readonly clock: Clock,
    private readonly keep = 12,
  ) {
    this.origin = clock.now();
  }

  /** Clock time run time 0 stands for. */
  get startedAt(): number {
    return this.origin;
  }

  /** Run time counts from now on (the run starts once its devices are up). */
  markStart(): void {
    this.origin = this.clock.now();
  }

  emit(kind: SimEventKind, subject: string, action: string, detail?: string): void {
    const event: SimEvent = { t: this.clock.now() - this.origin, kind, subject, action };
    if (detail !== undefined) event.detail = detail;
    this.ring.push(event);
    if (this.ring.length > this.keep) this.ring.shift();
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // a failing listener must not stop the simulation or the other listeners
      }
    }
  }

  /** Calls `listener` for every event from now on; returns a function that stops it. */
  onEvent(listener: SimEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The most recent events, oldest first. */
  recent(): readonly SimEvent[] {
    return this.ring;
  }

  /** Clock ms since the run started. */
  elapsed(): number {
    return this.clock.now() - this.origin;
  }
}

/** One line per event: `00:01:02.345 device east-1 scanner present GP1:...`. */
export function formatEvent(e: SimEvent): string {
  const ms = String(Math.floor(e.t % 1000)).padStart(3, '0');
  return `${formatRunTime(e.t)}.${ms} ${e.kind} ${e.subject} ${e.action}${e.detail === undefined ? '' : ` ${e.detail}`}`;
}
