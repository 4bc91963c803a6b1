import type { Logger } from './logger.ts';

/** How long one part may take to stop before the shutdown goes on without it. */
export const STOP_STEP_BUDGET_MS = 10_000;

type StopStep = { name: string; stop: () => Promise<void> | void };

/**
 * The parts a process started, stopped in reverse order, each within a budget: a part that does
 * not finish stopping in time (a socket that never closes, a device that never answers) is named
 * in an error log line and the others are stopped anyway, so a shutdown always ends and the
 * log says which part held it up. A part that throws is logged and the rest still stop.
 */
export class ShutdownSteps {
  private readonly steps: StopStep[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly log: Logger,
    private readonly budgetMs = STOP_STEP_BUDGET_MS,
  ) {}

  add(name: string, stop: () => Promise<void> | void): void {
    this.steps.push({ name, stop });
  }

  /** Stops every part once; a second call waits for the first. */
  stopAll(): Promise<void> {
    this.running ??= this.run();
    return this.running;
  }

  private async run(): Promise<void> {
    for (const step of this.steps.reverse()) {
      const began = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const overBudget = new Promise<'over'>((resolve) => {
        timer = setTimeout(() => resolve('over'), this.budgetMs);
      });
      try {
        const outcome = await Promise.race([Promise.resolve().then(step.stop), overBudget]);
        if (outcome === 'over')
          this.log.error(
            { part: step.name, budgetMs: this.budgetMs },
            'a part did not stop within its budget; stopping the others anyway',
          );
      } catch (err) {
        this.log.error({ err, part: step.name }, 'error while stopping');
      } finally {
        clearTimeout(timer);
      }
      this.log.debug({ part: step.name, ms: Math.round(performance.now() - began) }, 'stopped');
    }
  }
}
