import type { Logger } from '../../core/logger.ts';
import { topicFor } from '../mqtt/topics.ts';
import type { BayView, YardSummary } from './yard-payloads.ts';

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

  /** Publishes what is pending now and resolves when the broker has all of it. */
  async flush(): Promise<void> {
    this.publishPending();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.publishPending());
  }

  private publishPending(): void {
    this.scheduled = false;
    const ids = [...this.dirty];
    this.dirty.clear();
    for (const id of ids) {
      const view = this.render.bay(id);
      if (view) this.send(topicFor('yardBay', { site: this.site, bay: id }), view);
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
