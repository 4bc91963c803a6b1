import { Counter, type Registry } from 'prom-client';
import type { GatepostRecord } from '../mqtt/record.ts';
import type { CommittedBatch } from '../store/record-store.ts';

/** What the record counters read of a record's data; everything else is ignored. */
interface RecordFacts {
  lane?: unknown;
  outcome?: unknown;
  by?: unknown;
  action?: unknown;
  ok?: unknown;
  kind?: unknown;
  device?: unknown;
}

const text = (v: unknown, fallback = 'unknown'): string =>
  typeof v === 'string' && v.length > 0 ? v : fallback;

/**
 * Counters fed by the record store's commits: every record the gateway keeps passes through
 * there exactly once, after it is durable, whichever part wrote it. So the counts are those of
 * the records the central office will get: decisions by outcome, barrier operations, faults,
 * alarms, device errors and scans (the scanner's accepted frames).
 */
export class RecordMetrics {
  private readonly records: Counter<'stream' | 'type'>;
  private readonly decisions: Counter<'lane' | 'outcome' | 'by'>;
  private readonly barrierOps: Counter<'lane' | 'action' | 'ok'>;
  private readonly barrierFaults: Counter<'lane'>;
  private readonly alarms: Counter<'stream' | 'kind'>;
  private readonly deviceErrors: Counter<'lane' | 'device' | 'kind'>;
  private readonly scans: Counter<'lane'>;
  private readonly measurements: Counter<'lane'>;

  constructor(registry: Registry) {
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Counter<L>({ name, help, labelNames, registers: [registry] });
    this.records = counter('gatepost_records_total', 'Records committed to the store, by stream and type', [
      'stream',
      'type',
    ]);
    this.decisions = counter(
      'gatepost_decisions_total',
      'Lane decisions committed, by outcome and by whom (rules or staff)',
      ['lane', 'outcome', 'by'],
    );
    this.barrierOps = counter(
      'gatepost_barrier_operations_total',
      'Barrier commands (open, close) and whether the barrier carried them out',
      ['lane', 'action', 'ok'],
    );
    this.barrierFaults = counter(
      'gatepost_barrier_faults_total',
      'Barrier faults raised as alarms (arm never arrived, refused, jammed)',
      ['lane'],
    );
    this.alarms = counter('gatepost_alarms_total', 'Alarm records, by stream and kind', ['stream', 'kind']);
    this.deviceErrors = counter(
      'gatepost_device_errors_total',
      'Bad input or failed exchanges reported by the lane devices (discarded frames, timeouts, CRC)',
      ['lane', 'device', 'kind'],
    );
    this.scans = counter('gatepost_scans_total', "Codes read by a lane's scanner (its accepted frames)", [
      'lane',
    ]);
    this.measurements = counter(
      'gatepost_measurements_total',
      "Temperature measurements taken by a lane's thermometer",
      ['lane'],
    );
  }

  /** For `RecordStore.onCommit`. */
  readonly onCommit = (batch: CommittedBatch): void => {
    for (const r of batch.records) this.count(r);
  };

  count(r: GatepostRecord): void {
    this.records.inc({ stream: r.stream, type: r.type });
    const d = (typeof r.data === 'object' && r.data !== null ? r.data : {}) as RecordFacts;
    const lane = text(d.lane, r.stream);
    switch (r.type) {
      case 'decision':
        this.decisions.inc({ lane, outcome: text(d.outcome), by: text(d.by) });
        break;
      case 'barrier':
        this.barrierOps.inc({ lane, action: text(d.action), ok: d.ok === true ? 'true' : 'false' });
        break;
      case 'alarm':
        this.alarms.inc({ stream: r.stream, kind: text(d.kind) });
        if (d.kind === 'barrier-fault') this.barrierFaults.inc({ lane });
        break;
      case 'device-error':
        this.deviceErrors.inc({ lane, device: text(d.device), kind: text(d.kind) });
        break;
      case 'scan':
        this.scans.inc({ lane });
        break;
      case 'measurement':
        this.measurements.inc({ lane });
        break;
    }
  }
}
