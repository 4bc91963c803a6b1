import type { PreRegistrationLookup } from './lane-ports.ts';
import type { Transit } from './transit.ts';

/**
 * The central office's announcement of a transit's truck (报备), valid now: looked up by the
 * transit's plate (registered, read by the plate camera, or on a pass) and its colour, the one
 * valid since the longest if several. Set on the transit for the decision rules (a person without
 * a pass is then `pre-registered`, not `no-pass`); crew ID numbers are left out: the decision
 * record shows roles and names.
 */
export function lookUpPreRegistration(
  t: Transit,
  lookup: PreRegistrationLookup | undefined,
  now: number,
): void {
  const plate = t.plate;
  if (!lookup || !plate) {
    t.preRegistration = undefined;
    return;
  }
  const found = lookup.find(plate, now, t.plateColour)[0];
  t.preRegistration = found
    ? {
        id: found.id,
        plate: found.plate,
        ...(found.plateColour ? { plateColour: found.plateColour } : {}),
        crew: found.crew.map((c) => ({ role: c.role, ...(c.name ? { name: c.name } : {}) })),
        ...(found.origin ? { origin: found.origin } : {}),
        ...(found.destination ? { destination: found.destination } : {}),
        validFrom: found.validFrom,
        validUntil: found.validUntil,
        ...(found.note ? { note: found.note } : {}),
      }
    : undefined;
}
