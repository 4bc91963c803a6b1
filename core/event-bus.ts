import type { Logger } from './logger.ts';

/**
 * A typed event bus that isolates listeners: one listener that throws (or rejects) is logged
 * and the others still run.
 */
export class EventBus<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => unknown>>();

  constructor(private readonly log: Logger) {}

  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => unknown): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (payload: never) => unknown);
    return () => set.delete(listener as (payload: never) => unknown);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        const result = (listener as (p: Events[K]) => unknown)(payload);
        if (result instanceof Promise) {
          result.catch((err: unknown) =>
            this.log.error({ err, event: String(event) }, 'event listener failed'),
          );
        }
      } catch (err) {
        this.log.error({ err, event: String(event) }, 'event listener failed');
      }
    }
  }
}
