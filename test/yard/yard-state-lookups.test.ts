import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../gateway/yard/layout.ts';
import type { Visit } from '../../gateway/yard/yard-payloads.ts';
import { YardState } from '../../gateway/yard/yard-state.ts';
import { demoYardConfig } from './stack.ts';

/**
 * The yard's look-ups (visit → bay, plate, pass subject, lane transit) are kept per truck in the
 * yard. Whatever trucks came, shared plates, subjects and transits included, and in whatever
 * order they left, every truck still in the yard is found by each of its keys (as itself or as a
 * truck still there with the same key), and once the yard is empty every look-up is empty too:
 * nothing grows with the trucks a box has seen (issue 27).
 */
const layout = buildLayout(demoYardConfig());
const bayIds = [...layout.bays.keys()];

const visitOf = (i: number, plate: number, subject: number, transit: number, colour: boolean): Visit => ({
  id: `v-${i}`,
  plate: `晋A${10000 + plate}`,
  ...(colour ? { plateColour: 'yellow' as const } : {}),
  subject: `subject-${subject}`,
  transitId: `t-${transit}`,
  reason: 'test',
  intent: 'yard',
  reservedAt: 0,
  expiresAt: 1,
  isolated: false,
  samples: [],
  bays: [bayIds[i % bayIds.length] ?? ''],
});

describe('YardState look-ups', () => {
  it('property: they find every truck in the yard by each key, and are empty once every truck has left', () => {
    fc.assert(
      fc.property(
        // Trucks: small pools of plates, subjects and transits, so that trucks share them.
        fc.array(
          fc.record({
            plate: fc.integer({ min: 0, max: 5 }),
            subject: fc.integer({ min: 0, max: 5 }),
            transit: fc.integer({ min: 0, max: 5 }),
            colour: fc.boolean(),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        fc.array(fc.nat(), { maxLength: 200 }),
        (trucks, leaveOrder) => {
          const state = new YardState(layout);
          const inYard = new Map<string, Visit>();
          trucks.forEach((t, i) => {
            const v = visitOf(i, t.plate, t.subject, t.transit, t.colour);
            const bay = state.bay(v.bays[0] ?? '');
            if (!bay || bay.visit) return;
            state.place(bay, v);
            inYard.set(v.id, v);
          });
          const leave = (id: string) => {
            const bayId = state.bayOfVisit(id);
            const bay = bayId === undefined ? undefined : state.bay(bayId);
            if (bay) state.remove(bay);
            inYard.delete(id);
            // Every truck still in the yard is found by each of its keys, as itself or as a truck
            // still in the yard with the same key (the latest that came): a truck with the same
            // plate, pass or transit leaving never makes it unfindable.
            for (const v of inYard.values()) {
              const byPlate = state.findVisit({ plate: v.plate, plateColour: v.plateColour });
              const bySubject = state.findVisit({ subject: v.subject });
              const byTransit = state.findVisit({ transitId: v.transitId });
              for (const found of [byPlate, bySubject, byTransit]) {
                expect(found !== undefined && inYard.has(found)).toBe(true);
              }
              const plateOf = inYard.get(byPlate ?? '');
              expect(plateOf?.plate).toBe(v.plate);
              // Another colour is another vehicle; a truck without a colour matches any.
              if (v.plateColour !== undefined && plateOf?.plateColour !== undefined)
                expect(plateOf.plateColour).toBe(v.plateColour);
              expect(inYard.get(bySubject ?? '')?.subject).toBe(v.subject);
              expect(inYard.get(byTransit ?? '')?.transitId).toBe(v.transitId);
            }
          };
          // Some leave in the generated order, then the rest.
          for (const n of leaveOrder) {
            const ids = [...inYard.keys()];
            if (ids.length === 0) break;
            leave(ids[n % ids.length] ?? '');
          }
          for (const id of [...inYard.keys()]) leave(id);
          expect(state.trucks).toBe(0);
          expect(state.lookupSizes()).toEqual({ visits: 0, plates: 0, subjects: 0, transits: 0 });
        },
      ),
      { numRuns: 200 },
    );
  });
});
