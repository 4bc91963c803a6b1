import type { Logger } from '../../core/logger.ts';
import type { Alarm, AlarmParams } from './lane-records.ts';
import type { LaneTransits } from './lane-transits.ts';
import type { RecordTrail } from './record-trail.ts';

/**
 * A lane's alarms: each one logged and committed as an `alarm` record, with the params the pages
 * word it from (docs/mqtt.md): its own, and from its transit the plate, temperature, bay, outcome
 * and first reason.
 */
export class LaneAlarms {
  constructor(
    private readonly o: { lane: string; log: Logger; trail: RecordTrail; transits: () => LaneTransits },
  ) {}

  raise(
    kind: Alarm['kind'],
    message: string,
    transitId?: string,
    active?: boolean,
    extra?: AlarmParams,
  ): Promise<unknown> {
    this.o.log.warn({ kind, transitId, active }, `lane alarm: ${message}`);
    const params = { ...this.transitParams(transitId), ...extra };
    return this.o.trail.now('alarm', {
      lane: this.o.lane,
      kind,
      message,
      ...(transitId ? { transitId } : {}),
      ...(active === undefined ? {} : { active }),
      ...(Object.keys(params).length ? { params } : {}),
    });
  }

  /** What the pages word an alarm with from its transit: plate, temperature, bay, first reason. */
  private transitParams(transitId: string | undefined): AlarmParams {
    const transits = this.o.transits();
    const t = [transits.current, transits.open].find((x) => x && x.id === transitId);
    if (!t) return {};
    const plate = t.plate;
    const reason = t.decision?.reasons.find((r) => r.code !== 'staff-override')?.code;
    return {
      ...(plate ? { plate: plate.slice(0, 16) } : {}),
      ...(t.temperatureC !== undefined ? { temperatureC: t.temperatureC } : {}),
      ...(t.decision?.bay ? { bay: t.decision.bay } : {}),
      ...(t.decision ? { outcome: t.decision.outcome } : {}),
      ...(reason ? { reason } : {}),
      ...(t.opened ? { barrierOpen: 1 } : {}),
    };
  }
}
