/**
 * Device health as the gateway publishes it (retained, one topic per device): `online` answers
 * as it should, `degraded` answers but something is wrong (sensor fault, noisy line), `offline`
 * does not answer or its port is gone.
 */
export type HealthState = 'online' | 'offline' | 'degraded';

export interface HealthChange {
  state: HealthState;
  previous: HealthState;
  reason: string;
}

/** Holds one device's health and reports changes only. Starts offline. */
export class HealthCell {
  private current: HealthState = 'offline';

  constructor(private readonly onChange: (change: HealthChange) => void) {}

  get state(): HealthState {
    return this.current;
  }

  set(state: HealthState, reason: string): void {
    if (state === this.current) return;
    const previous = this.current;
    this.current = state;
    this.onChange({ state, previous, reason });
  }
}
