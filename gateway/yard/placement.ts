import { ErrorCode } from '../../core/errors.ts';
import { recordId } from '../../core/ids.ts';
import { plateKey } from '../store/ledger.ts';
import { reservationExpiresAt } from './deadlines.ts';
import type { Release } from './locks.ts';
import { bayKey, type YardEngine } from './yard-engine.ts';
import type { Actor, TruckZoneKind, VisitSeed } from './yard-payloads.ts';
import { type Refusal, refuse } from './yard-state.ts';

export interface Placement {
  zoneKind: TruckZoneKind;
  /** A given bay (coordinators); else the assignment policy chooses. */
  bay?: string | undefined;
  seed: Omit<VisitSeed, 'id'>;
  by: Actor;
  /** The truck is already in the bay. */
  arrived: boolean;
  /**
   * Hears the bay chosen as soon as its reservation is queued for the store (not yet
   * committed; the bay stays held until it is): see Yard.hold. Not called when `arrived`.
   */
  onQueued?: (bay: string, visitId: string) => void;
}

export type Placed = { ok: true; bay: string; visitId: string } | Refusal;

/**
 * Puts a truck in a bay: the one given, or the one the policy picks among the free bays of
 * the zone kind that no other change holds right now. The bay is chosen and taken in one
 * synchronous step, so two trucks asking at once never get the same bay; when the only free
 * bays are held by changes in flight, it waits for them and looks again, so the last bay goes
 * to exactly one truck and the other gets `zone-full` (and an alert), never a double booking.
 * The truck's plate, subject and transit are held too: a lane retrying the same transit gets
 * the bay it already has, and a truck already in the yard is refused.
 */
export function place(engine: YardEngine, p: Placement): Promise<Placed> {
  if (engine.isStopped)
    return Promise.resolve(refuse(ErrorCode.LaneUnavailable, 'stopped', 'The yard is shutting down'));
  const s = p.seed;
  // All keys known now are taken at once (a given bay too): a change never queues for more keys.
  const keys = [
    ...(s.plate ? [`plate:${plateKey(s.plate)}`] : []), // every colour of a plate: one lock
    ...(s.subject ? [`subject:${s.subject}`] : []),
    ...(s.transitId ? [`transit:${s.transitId}`] : []),
    ...(p.bay === undefined ? [] : [bayKey(p.bay)]),
  ];
  return engine.withKeys(keys, async (): Promise<Placed> => {
    const { state } = engine;
    const again = s.transitId === undefined ? undefined : state.findVisit({ transitId: s.transitId });
    const againBay = again === undefined ? undefined : state.bayOfVisit(again);
    if (again !== undefined && againBay !== undefined) return { ok: true, bay: againBay, visitId: again };
    const other = state.findVisit({ plate: s.plate, plateColour: s.plateColour, subject: s.subject });
    if (other !== undefined) {
      const where = state.bayOfVisit(other);
      return refuse(ErrorCode.IllegalTransition, 'already-in-yard', `This truck already holds bay ${where}`);
    }
    if (p.bay === undefined && (engine.layout.byKind.get(p.zoneKind)?.length ?? 0) === 0)
      return refuse(ErrorCode.NotFound, 'no-zone', `This yard has no ${p.zoneKind} bays`);
    for (;;) {
      let bay = p.bay;
      let held: Release | undefined;
      if (bay === undefined) {
        bay = engine.choose(p.zoneKind, true);
        if (bay === undefined) {
          if (!anyFreeHeld(engine, p.zoneKind)) {
            return zoneFull(engine, p.zoneKind, { plate: s.plate, lane: s.lane });
          }
          // A free bay being changed right now may yet be ours: wait for it, then look again.
          await engine.locks.nextRelease();
          continue;
        }
        held = engine.locks.tryAcquire([bayKey(bay)]);
        if (!held) continue; // cannot happen: `choose` skipped held bays
      }
      try {
        const visitId = recordId(engine.clock);
        const expiresAt = reservationExpiresAt(engine.clock.now(), engine.opts.config);
        const visit = Object.fromEntries(
          Object.entries({ ...s, id: visitId }).filter(([, v]) => v !== undefined),
        ) as VisitSeed;
        const chosen = bay;
        const queued = p.onQueued && !p.arrived ? () => p.onQueued?.(chosen, visitId) : undefined;
        const done = await engine.commit('bay-reserved', { bay, visit, expiresAt, by: p.by }, queued);
        if (!done.ok) return done;
        if (p.arrived) await engine.commit('truck-arrived', { bay, visitId, by: p.by });
        return { ok: true, bay, visitId };
      } finally {
        held?.();
      }
    }
  });
}

function anyFreeHeld(engine: YardEngine, kind: TruckZoneKind): boolean {
  return (engine.layout.byKind.get(kind) ?? []).some(
    (id) => engine.state.bay(id)?.state === 'free' && engine.locks.isHeld(bayKey(id)),
  );
}

/** A full zone: an alert for the coordinators (committed before the refusal is returned). */
export async function zoneFull(
  engine: YardEngine,
  kind: TruckZoneKind,
  who: { plate?: string | undefined; lane?: string | undefined; visitId?: string },
): Promise<Refusal> {
  await engine.alert({
    kind: 'zone-full',
    zoneKind: kind,
    message: `No free ${kind} bay${who.plate ? ` for ${who.plate}` : ''}: the truck goes to REVIEW`,
    ...(who.plate ? { plate: who.plate } : {}),
    ...(who.lane ? { lane: who.lane } : {}),
    ...(who.visitId ? { visitId: who.visitId } : {}),
  });
  return refuse(ErrorCode.YardFull, 'zone-full', `No free ${kind} bay`);
}
