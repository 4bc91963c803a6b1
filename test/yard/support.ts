import { ManualClock } from '../../core/clock.ts';
import { recordId } from '../../core/ids.ts';
import { silentLogger } from '../../core/logger.ts';
import type { BayEvent } from '../../devices/events.ts';
import type { GatepostRecord } from '../../gateway/mqtt/record.ts';
import type { YardRecordReader, YardRecordWriter } from '../../gateway/yard/rebuild.ts';
import { Yard, type YardOptions } from '../../gateway/yard/yard.ts';
import { YardConfigSchema } from '../../site-config/schema.ts';

/**
 * An in-memory record log for unit tests: `record` commits on a later microtask (like the real
 * store's group commit, only sooner), can be held back to stage races, and can be told to fail.
 */
export class MemoryLog implements YardRecordWriter, YardRecordReader {
  private held: (() => void)[] | undefined;
  private failing = 0;
  private dead = false;

  constructor(
    private readonly clock: ManualClock,
    readonly records: GatepostRecord[] = [],
  ) {}

  record<D>(stream: string, type: string, data: D): Promise<GatepostRecord<D>> {
    if (this.dead) return new Promise(() => {}); // the process is gone: nothing commits, nobody hears
    const at = this.clock.now();
    const commit = (resolve: (r: GatepostRecord<D>) => void, reject: (e: Error) => void) => {
      if (this.failing > 0) {
        this.failing--;
        reject(new Error('disk on fire'));
        return;
      }
      const seq = this.records.filter((r) => r.stream === stream).length + 1;
      const rec = {
        id: recordId(this.clock),
        site: 'test',
        stream,
        seq,
        type,
        at,
        data: structuredClone(data),
      };
      this.records.push(rec);
      resolve(rec);
    };
    return new Promise((resolve, reject) => {
      if (this.held) this.held.push(() => commit(resolve, reject));
      else queueMicrotask(() => commit(resolve, reject));
    });
  }

  readStream(stream: string, fromSeq = 1, limit = 1000): GatepostRecord[] {
    return this.records.filter((r) => r.stream === stream && r.seq >= fromSeq).slice(0, limit);
  }

  lastSeqOfType(stream: string, type: string): number | undefined {
    return this.records.filter((r) => r.stream === stream && r.type === type).at(-1)?.seq;
  }

  /** Commits wait until `release()`: stages two changes in flight at once. */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const c of held) c();
  }

  /**
   * The process dies: commits in flight never happen, and nothing more is written through this
   * log. Returns a log over the same committed records, for the restarted yard.
   */
  kill(): MemoryLog {
    this.dead = true;
    this.held = undefined;
    return new MemoryLog(this.clock, this.records);
  }

  /** The next `n` commits fail (the disk is gone). */
  fail(n = 1): void {
    this.failing = n;
  }

  ofType(type: string): GatepostRecord[] {
    return this.records.filter((r) => r.type === type);
  }
}

/** A small yard: 10 parking bays, 3 isolation, 2 hand-over, plus work and living areas. */
export function smallYardConfig(overrides: Record<string, unknown> = {}) {
  return YardConfigSchema.parse({
    zones: [
      { id: 'work', name: 'Work area', kind: 'work' },
      { id: 'living', name: 'Living area', kind: 'living' },
      { id: 'parking', name: 'Parking', kind: 'parking', bays: [{ prefix: 'P', from: 1, to: 10 }] },
      { id: 'isolation', name: 'Isolation', kind: 'isolation', bays: [{ prefix: 'I', from: 1, to: 3 }] },
      { id: 'handover', name: 'Hand-over', kind: 'handover', bays: [{ prefix: 'H', from: 1, to: 2 }] },
    ],
    baySensorBuses: [
      {
        id: 'bus-1',
        port: { path: '/dev/null-bus-1' },
        sensors: [{ bayPrefix: 'P', fromBay: 1, toBay: 10, firstAddress: 1 }],
      },
    ],
    ...overrides,
  });
}

export interface Harness {
  clock: ManualClock;
  log: MemoryLog;
  yard: Yard;
  options: YardOptions;
  /** A second yard rebuilt from the log (a restart; by default over the same log). */
  restart(log?: MemoryLog): Yard;
}

export function startYard(overrides: Partial<YardOptions> = {}, clock = new ManualClock()): Harness {
  const log = new MemoryLog(clock);
  const options: YardOptions = {
    config: smallYardConfig(),
    site: 'test',
    clock,
    log: silentLogger(),
    writer: log,
    reader: log,
    ...overrides,
  };
  const yard = Yard.start(options);
  const restart = (other?: MemoryLog) =>
    Yard.start(other ? { ...options, writer: other, reader: other } : options);
  return { clock, log, yard, options, restart };
}

export const staff = { kind: 'staff', id: 'S-17', transaction: 't-1' } as const;

let transit = 0;
/** A lane's reservation request for a truck. */
export function laneRequest(plate: string, zoneKind: 'parking' | 'isolation' = 'parking') {
  transit++;
  return { zoneKind, plate, lane: 'east-1', transitId: `transit-${transit}`, reason: 'no-recent-test' };
}

/** A bay sensor's reading on bus-1 (its address from the bay's number): a truck at 120 cm, none at 900. */
export function bayReading(bayId: string, occupied: boolean, at: number): BayEvent {
  return {
    bayId,
    bus: 'bus-1',
    address: Number(bayId.slice(2)),
    occupied,
    distanceCm: occupied ? 120 : 900,
    at,
  };
}
