import type { Clock, TimerHandle } from '../../../core/clock.ts';
import type { SimulatedLane, SimulatedSite } from '../../../sim/site.ts';
import type { DecisionSeen, GatewayLink, YardStaff } from '../../../sim/traffic/gateway-link.ts';
import type { SimEvent, SimEventLog } from '../../../sim/traffic/sim-events.ts';
import type { Outcome } from '../../../sim/traffic/stats.ts';

/**
 * A stand-in for the gateway in traffic tests, deterministic on the clock: it learns what
 * happened at a lane from the run's event log (a vehicle on the loop, a code presented) instead
 * of the wire (whose bytes move in real time), decides by the GP1 colour (green PASS, yellow
 * YARD, red ISOLATE, anything else REVIEW; PASS at a yard exit lane), publishes the decision on
 * its GatewayLink, opens the barrier for PASS/YARD/ISOLATE (GPIO: a pulse on the open relay line;
 * serial: the barrier's core, as an OPEN would) and closes it 2 s after the loop clears. It is
 * not the gateway: it only gives the traffic something to react to.
 */
export class ScriptedGateway implements GatewayLink {
  readonly connected = true;
  readonly decisions: DecisionSeen[] = [];
  readonly staffCalls: string[] = [];
  readonly staff: YardStaff;
  private readonly listeners = new Set<(d: DecisionSeen) => void>();
  private readonly decided = new Set<string>();
  private readonly closers = new Map<string, TimerHandle>();
  private off: (() => void) | undefined;
  private nextBay = { P: 1, I: 1 };
  private transits = 0;

  constructor(
    private readonly site: SimulatedSite,
    private readonly clock: Clock,
    /** What it decides at a yard exit lane (PASS; REVIEW keeps every truck in). */
    private readonly exitOutcome: Outcome = 'PASS',
  ) {
    this.staff = {
      sample: async (bay, kind) => this.call(`sample ${bay}${kind === 'pcr' ? ' pcr' : ''}`, true),
      result: async (bay, result, kind) =>
        this.call(`result ${bay} ${result}${kind === 'pcr' ? ' pcr' : ''}`, true),
      moveToIsolation: async (bay) => {
        this.staffCalls.push(`move ${bay}`);
        return this.bay('I');
      },
      release: async (bay) => this.call(`release ${bay}`, true),
      unblock: async (bay) => this.call(`unblock ${bay}`, true),
    };
  }

  /** Starts watching a run's event log. */
  watch(log: SimEventLog): void {
    this.off = log.onEvent((e) => this.onEvent(e));
    for (const lane of this.site.lanes.values()) {
      lane.barrier.core.on('loop', (occupied: boolean) => this.onLoop(lane, occupied));
    }
  }

  onDecision(listener: (d: DecisionSeen) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.off?.();
    for (const t of this.closers.values()) this.clock.clearTimeout(t);
  }

  private call(what: string, ok: boolean): boolean {
    this.staffCalls.push(what);
    return ok;
  }

  private onEvent(e: SimEvent): void {
    if (e.kind !== 'device' || e.action !== 'present') return;
    const laneId = e.subject.replace(/ scanner$/, '');
    const lane = this.site.lanes.get(laneId);
    if (!lane || this.decided.has(laneId)) return;
    this.decided.add(laneId);
    const exit = this.site.config.yard.exitLanes.some((l) => l.id === laneId);
    const outcome: Outcome = exit ? this.exitOutcome : outcomeOf(e.detail ?? '');
    const d: DecisionSeen = { lane: laneId, outcome, transitId: `tr-${++this.transits}` };
    const plate = plateOf(e.detail ?? '');
    if (plate) d.plate = plate;
    if (outcome === 'YARD') d.bay = this.bay('P');
    if (outcome === 'ISOLATE') d.bay = this.bay('I');
    this.decisions.push(d);
    for (const l of this.listeners) l(d);
    if (outcome !== 'REVIEW') this.pulse(lane, 'open');
  }

  private onLoop(lane: SimulatedLane, occupied: boolean): void {
    if (occupied) {
      this.clock.clearTimeout(this.closers.get(lane.id));
      return;
    }
    this.decided.delete(lane.id);
    this.closers.set(
      lane.id,
      this.clock.setTimeout(() => {
        if (!lane.barrier.loopOccupied && lane.barrier.state !== 'closed') this.pulse(lane, 'close');
      }, 2000),
    );
  }

  private pulse(lane: SimulatedLane, which: 'open' | 'close'): void {
    const b = lane.barrier;
    if (b.kind === 'serial-barrier') {
      if (which === 'open') b.core.open();
      else b.core.close();
      return;
    }
    const line = b.config.lines[which];
    const on = b.config.activeHigh ? 1 : 0;
    b.chip.output(line).write(on);
    this.clock.setTimeout(() => b.chip.output(line).write(on ? 0 : 1), 300);
  }

  private bay(prefix: 'P' | 'I'): string {
    const n = this.nextBay[prefix]++;
    return `${prefix}-${String(n).padStart(4, '0')}`;
  }
}

function claimsOf(code: string): Record<string, unknown> | undefined {
  if (!code.startsWith('GP1:')) return undefined;
  try {
    return JSON.parse(Buffer.from(code.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
}

function outcomeOf(code: string): Outcome {
  const color = claimsOf(code)?.color;
  return color === 'green' ? 'PASS' : color === 'yellow' ? 'YARD' : color === 'red' ? 'ISOLATE' : 'REVIEW';
}

function plateOf(code: string): string | undefined {
  const plate = claimsOf(code)?.plate;
  return typeof plate === 'string' ? plate : undefined;
}
