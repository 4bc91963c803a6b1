import mqtt, { type MqttClient } from 'mqtt';
import { SimGpioBarrier } from '../../sim/devices/barrier/gpio-barrier.ts';
import type { WireSpan } from '../../sim/pacing.ts';
import type { SimulatedSite } from '../../sim/site.ts';

/** One scan-to-barrier latency, measured on the simulator's side of the wires. */
export interface LatencySample {
  lane: string;
  ms: number;
  /** The run's phase when the barrier opened (the harness names them). */
  phase: string;
}

/** An open command seen at a simulated barrier, with the scan before it. */
interface Candidate {
  lane: string;
  code: string;
  scanEnd: number;
  open: number;
  phase: string;
}

/** What the probe keeps of a lane record seen on the broker. */
export interface Seen {
  seq: number;
  type: string;
  transitId?: string;
  code?: string;
  outcome?: string;
  by?: string;
  /** A decision's trigger: what completed it. */
  trigger?: string;
}

const OPENING = new Set(['PASS', 'YARD']);

/**
 * Scan-to-barrier latency from the simulator's side (issue 9): from the moment the last byte of
 * a scanned code has crossed the simulated scanner's paced line (its `present()` resolves), to
 * the moment the simulated barrier sees its open command: the GPIO `open` relay going active, or
 * the serial barrier's `OPEN` line having crossed its wire (5.2 ms at 9600 baud, taken from the
 * paced line's wire span).
 *
 * A sample counts only when the scan was the input that completed the decision. Which input that
 * was is read afterwards from the lane's records (`samples()`), which the gateway numbers in the
 * order it handled them: the scan record with the code scanned gives the transit; the transit's
 * first decision must follow the scan, open the barrier, be the rules' and name the scan as its
 * trigger (not a measurement after it, nor the vehicle a scan made before it reached the loop
 * waited for). The records' arrival times do not matter, so a broker slowed by a flood cannot
 * mislead it.
 * Opens with no scan since the previous open, and decisions that keep the barrier shut (REVIEW,
 * ISOLATE), give no sample.
 */
export class LatencyProbe {
  /** Opens that could not be timed from the scan (measurement last, no scan, no records). */
  excluded = 0;
  phase = 'warm-up';
  /** Opens with no scan since the one before. */
  private unscanned = 0;
  private readonly candidates: Candidate[] = [];
  private readonly scanEnd = new Map<string, { at: number; code: string }>();
  private readonly records = new Map<string, Seen[]>();
  private readonly offs: (() => void)[] = [];
  private client: MqttClient | undefined;

  constructor(site: SimulatedSite) {
    for (const [id, lane] of site.lanes) {
      const scanner = lane.scanner;
      const present = scanner.present.bind(scanner);
      scanner.present = (code) =>
        present(code).then(() => {
          const text = typeof code === 'string' ? code : Buffer.from(code).toString('utf8');
          this.scanEnd.set(id, { at: performance.now(), code: text });
        });
      this.offs.push(() => {
        scanner.present = present;
      });
      const b = lane.barrier;
      if (b instanceof SimGpioBarrier) {
        const active = b.config.activeHigh ? 1 : 0;
        this.offs.push(b.chip.onOutput(b.config.lines.open, (level) => level === active && this.opened(id)));
      } else {
        // The moment the line's CR has crossed the wire, from the span the paced line reports
        // (the 'data' event itself comes up to a timer tick later).
        let text = '';
        const onData = (bytes: Buffer, span: WireSpan) => {
          const perByte = (span.end - span.start) / Math.max(1, bytes.length);
          for (let k = 0; k < bytes.length; k++) {
            const c = bytes[k] as number;
            if (c !== 0x0d) {
              text = (text + String.fromCharCode(c)).slice(-64);
              continue;
            }
            if (text.trim() === 'OPEN') this.opened(id, span.start + (k + 1) * perByte);
            text = '';
          }
        };
        b.port.on('data', onData);
        this.offs.push(() => b.port.off('data', onData));
      }
    }
  }

  /** Collects the lanes' scan, measurement and decision records from the gateway's broker. */
  async connect(url: string, site: string): Promise<void> {
    this.client = await mqtt.connectAsync(url, { reconnectPeriod: 1000, clean: true });
    this.client.on('message', (topic, payload) => {
      const lane = topic.split('/')[3];
      if (!lane) return;
      try {
        const r = JSON.parse(payload.toString()) as {
          seq: number;
          type: string;
          data: Record<string, unknown>;
        };
        const d = r.data;
        const seen: Seen = { seq: r.seq, type: r.type };
        if (typeof d.transitId === 'string') seen.transitId = d.transitId;
        if (typeof d.code === 'string') seen.code = d.code;
        if (typeof d.outcome === 'string') seen.outcome = d.outcome;
        if (typeof d.by === 'string') seen.by = d.by;
        if (typeof d.trigger === 'string') seen.trigger = d.trigger;
        const list = this.records.get(lane) ?? [];
        list.push(seen);
        this.records.set(lane, list);
      } catch {
        // not a record: nothing to learn from it
      }
    });
    const topics = ['scan', 'measurement', 'decision'].map((t) => `gatepost/${site}/lane/+/${t}`);
    await this.client.subscribeAsync(topics, { qos: 1 });
  }

  /** The samples so far (counts `excluded` afresh). */
  samples(): LatencySample[] {
    this.excluded = this.unscanned;
    const out: LatencySample[] = [];
    // Candidates and scan records are matched in order, lane by lane: the n-th open after a
    // scan of code X goes with the first scan record of X after the one matched before it.
    const cursor = new Map<string, number>();
    const sorted = new Map(
      [...this.records].map(([lane, l]) => [lane, [...l].sort((a, b) => a.seq - b.seq)]),
    );
    for (const c of this.candidates) {
      const list = sorted.get(c.lane) ?? [];
      const from = cursor.get(c.lane) ?? 0;
      const i = list.findIndex((r, k) => k >= from && r.type === 'scan' && r.code === c.code);
      if (i < 0) {
        this.excluded++;
        continue;
      }
      cursor.set(c.lane, i + 1);
      if (completedByScan(list, i)) out.push({ lane: c.lane, ms: c.open - c.scanEnd, phase: c.phase });
      else this.excluded++;
    }
    return out;
  }

  async close(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    await this.client?.endAsync(true);
  }

  private opened(lane: string, at = performance.now()): void {
    const scan = this.scanEnd.get(lane);
    this.scanEnd.delete(lane);
    if (!scan) {
      this.unscanned++;
      return;
    }
    this.candidates.push({
      lane,
      code: scan.code,
      scanEnd: scan.at,
      open: at,
      phase: this.phase,
    });
  }
}

/**
 * Did the scan record at `i` complete its transit's decision? The transit's first decision
 * follows it, opens the barrier, is the rules' and was triggered by a scan.
 */
export function completedByScan(list: readonly Seen[], i: number): boolean {
  const scan = list[i] as Seen;
  if (!scan.transitId) return false;
  const before = list.slice(0, i).filter((r) => r.transitId === scan.transitId);
  if (before.some((r) => r.type === 'decision')) return false;
  const decision = list.slice(i + 1).find((r) => r.transitId === scan.transitId && r.type === 'decision');
  return (
    decision !== undefined &&
    OPENING.has(decision.outcome ?? '') &&
    decision.by === 'rules' &&
    decision.trigger === 'scan'
  );
}
