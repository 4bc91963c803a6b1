import type { Logger } from '../../core/logger.ts';
import { topicFor } from '../mqtt/topics.ts';
import type { BayView, YardSummary } from './yard-payloads.ts';

/** Bays published in one turn of the event loop (~4 ms of the lanes' event loop on this box). */
export const PUBLISH_BATCH = 100;

/** Where retained state goes: the gateway's MQTT client (or a fake in tests). */
export interface RetainedTarget {
  publish(topic: string, payload: unknown, retain?: boolean): Promise<void>;
}

export interface YardRender {
  bay(id: string): BayView | undefined;
  summary(): YardSummary;
}

/**
 * Keeps the retained topics in step with the yard: one per bay and the summary. Changes are
 * coalesced: a bay changed several times before the next turn of the event loop is published
 * once, with its latest state, and so is the summary. Publishing follows the commit of the
 * records behind it; a failed publish is logged (the next change, or a restart, republishes).
 * At most `batch` bays go out in one turn of the event loop: every bay at once (the start, a
 * config change) is ~50 ms of rendering and MQTT encoding that a lane's scan would wait behind.
 */
export class YardPublisher {
  private readonly dirty = new Set<string>();
  private summaryDirty = false;
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly site: string,
    private readonly target: RetainedTarget,
    private readonly render: YardRender,
    private readonly log: Logger,
    private readonly batch = PUBLISH_BATCH,
  ) {}

  bays(ids: Iterable<string>): void {
    for (const id of ids) this.dirty.add(id);
    this.summaryDirty = true;
    this.schedule();
  }

  summary(): void {
    this.summaryDirty = true;
    this.schedule();
  }

  /**
   * Publishes what is pending, a batch a turn of the event loop, and resolves when the broker has
   * all of it.
   */
  async flush(): Promise<void> {
    if (this.dirty.size > 0 || this.summaryDirty) this.schedule();
    // A batch a turn: publishPending schedules itself again while bays wait.
    while (this.scheduled) await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.publishPending());
  }

  /** One batch of the pending bays (the longest waiting first), then the summary once none wait. */
  private publishPending(): void {
    this.scheduled = false;
    let left = this.batch;
    for (const id of this.dirty) {
      if (left-- <= 0) break;
      this.dirty.delete(id);
      const view = this.render.bay(id);
      if (view) this.send(topicFor('yardBay', { site: this.site, bay: id }), view);
    }
    if (this.dirty.size > 0) {
      this.schedule();
      return;
    }
    if (this.summaryDirty) {
      this.summaryDirty = false;
      this.send(topicFor('yardSummary', { site: this.site }), this.render.summary());
    }
  }

  private send(topic: string, payload: unknown): void {
    const p = this.target
      .publish(topic, payload, true)
      .catch((err: unknown) => this.log.warn({ err, topic }, 'yard state publish failed'))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }
}
