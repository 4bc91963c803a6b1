import type { Logger } from '../../core/logger.ts';

/**
 * Runs async jobs one after another, in the order they were added: a lane handles its device
 * events and staff requests strictly in sequence, so records come out in order and a transit is
 * never changed by two jobs at once. A failing job is logged and the queue goes on.
 */
export class WorkQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private depth = 0;

  constructor(private readonly log: Logger) {}

  get pending(): number {
    return this.depth;
  }

  run<T>(job: () => Promise<T> | T): Promise<T> {
    this.depth++;
    const result = this.tail.then(job);
    this.tail = result
      .catch((err: unknown) => this.log.error({ err }, 'lane job failed'))
      .finally(() => {
        this.depth--;
      });
    return result;
  }

  /** Resolves when everything queued so far has run. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
