import type { CrewMember } from './crew.ts';
import type { LaneRecordData } from './lane-records.ts';
import { type HandReading, type TemperatureReading, toCelsius } from './temperature-reading.ts';
import { awaitsReading } from './temperature-rules.ts';
import type { Transit } from './transit.ts';

/**
 * Which person of a transit a reading is for, and its record. A reading that may confirm a
 * fever (a hand-entered one, or a screening after the decision) goes to the person whose own
 * decision waits for one (recheck-required, ambient-out-of-range), the first such; otherwise
 * the crew attributes it as it does every reading (crew.ts). Returns the person who took it.
 */
export function takeReading(t: Transit, r: TemperatureReading, late: boolean): CrewMember | undefined {
  const waiting = t.decision
    ? t.crew.members.find((m) => awaitsReading(t.personDecisions.get(m.seat)?.reasons))
    : undefined;
  if (waiting) {
    waiting.measured(r);
    return waiting;
  }
  t.crew.reading(r, late);
  return t.crew.members.find((m) => m.readings.includes(r));
}

/** A reading staff entered on the kiosk, in °C, taken now. */
export function handReading(h: HandReading, at: number): TemperatureReading {
  return { valueC: toCelsius(h.value, h.unit), method: h.method, at };
}

/** Its measurement record: where it came from (method, the staff member) and what was entered. */
export function handReadingRecord(
  lane: string,
  t: Transit,
  h: HandReading,
  r: TemperatureReading,
  staffId: string,
  seat: number | undefined,
): LaneRecordData<'measurement'> {
  return {
    lane,
    transitId: t.id,
    objectC: r.valueC,
    method: r.method,
    staffId,
    ...(seat === undefined ? {} : { seat }),
    ...(h.unit === 'F' ? { entered: { value: h.value, unit: h.unit } } : {}),
  };
}
