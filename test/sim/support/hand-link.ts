import type { DecisionSeen, GatewayLink, LaneStaff } from '../../../sim/traffic/gateway-link.ts';

/**
 * A gateway link whose decisions a test publishes by hand, with no yard staff; its kiosk staff's
 * overrides are recorded in `asked` and accepted.
 */
export class HandLink implements GatewayLink {
  readonly connected = true;
  readonly staff = undefined;
  readonly asked: { lane: string; outcome: string; reason: string }[] = [];
  readonly laneStaff: LaneStaff = {
    decide: async (lane, outcome, reason) => {
      this.asked.push({ lane, outcome, reason });
      return true;
    },
  };
  private readonly listeners = new Set<(d: DecisionSeen) => void>();

  onDecision(l: (d: DecisionSeen) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  publish(d: DecisionSeen): void {
    for (const l of this.listeners) l(d);
  }

  async close(): Promise<void> {}
}
