import mqtt, { type MqttClient } from 'mqtt';
import { SimGpioBarrier } from '../../sim/devices/barrier/gpio-barrier.ts';
import type { SimulatedSite } from '../../sim/site.ts';

/** One scan-to-barrier latency, measured on the simulator's side of the wires. */
export interface LatencySample {
  lane: string;
  ms: number;
  /** The run's phase when the barrier opened (the harness names them). */
  phase: string;
}

/**
 * Scan-to-barrier latency from the simulator's side (issue 9): from the moment the last byte of
 * a scanned code has crossed the simulated scanner's paced line (its `present()` resolves), to
 * the moment the simulated barrier sees its open command: the GPIO `open` relay going active, or
 * the serial barrier's `OPEN` line having crossed its wire.
 *
 * A sample counts only when the scan was the input that completed the decision: at a lane with
 * a thermometer, the transit's `measurement` record must have arrived on the broker before the
 * scan's last byte (a decision completed by the measurement would be timed from the wrong
 * input). Decisions that keep the barrier shut (REVIEW, ISOLATE) give no sample.
 */
export class LatencyProbe {
  readonly samples: LatencySample[] = [];
  /** Opens that could not be timed from the scan (measurement last, or no scan seen). */
  excluded = 0;
  phase = 'warm-up';
  private readonly scanEnd = new Map<string, number>();
  private readonly lastMeasurement = new Map<string, number>();
  private readonly lastOpen = new Map<string, number>();
  private readonly offs: (() => void)[] = [];
  private client: MqttClient | undefined;

  constructor(private readonly site: SimulatedSite) {
    for (const [id, lane] of site.lanes) {
      const scanner = lane.scanner;
      const present = scanner.present.bind(scanner);
      scanner.present = (code) =>
        present(code).then(() => {
          this.scanEnd.set(id, performance.now());
        });
      this.offs.push(() => {
        scanner.present = present;
      });
      const b = lane.barrier;
      if (b instanceof SimGpioBarrier) {
        const active = b.config.activeHigh ? 1 : 0;
        this.offs.push(b.chip.onOutput(b.config.lines.open, (level) => level === active && this.opened(id)));
      } else {
        let text = '';
        const onData = (bytes: Buffer) => {
          text = (text + bytes.toString('latin1')).slice(-64);
          const i = text.indexOf('\r');
          if (i < 0) return;
          const line = text.slice(0, i).trim();
          text = text.slice(i + 1);
          if (line === 'OPEN') this.opened(id);
        };
        b.port.on('data', onData);
        this.offs.push(() => b.port.off('data', onData));
      }
    }
  }

  /** Watches the measurement records on the gateway's broker. */
  async connect(url: string, site: string): Promise<void> {
    this.client = await mqtt.connectAsync(url, { reconnectPeriod: 1000, clean: true });
    this.client.on('message', (topic) => {
      const lane = topic.split('/')[3];
      if (lane) this.lastMeasurement.set(lane, performance.now());
    });
    await this.client.subscribeAsync(`gatepost/${site}/lane/+/measurement`, { qos: 0 });
  }

  async close(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    await this.client?.endAsync(true);
  }

  private opened(lane: string): void {
    const now = performance.now();
    const scan = this.scanEnd.get(lane);
    const previousOpen = this.lastOpen.get(lane) ?? 0;
    this.lastOpen.set(lane, now);
    this.scanEnd.delete(lane);
    if (scan === undefined || scan < previousOpen) {
      this.excluded++;
      return;
    }
    if (this.site.lane(lane).thermometer) {
      const measured = this.lastMeasurement.get(lane);
      if (measured === undefined || measured < previousOpen || measured > scan) {
        this.excluded++;
        return;
      }
    }
    this.samples.push({ lane, ms: now - scan, phase: this.phase });
  }
}
