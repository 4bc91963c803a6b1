import type { Truck } from './population.ts';

/**
 * The order a crew is measured in, as the lane attributes readings (docs/yard.md, "Crews and vehicles"): a
 * reading goes to the person scanned most recently who has none yet. A crew shows every pass
 * first (driver, co-driver, escort), so the escort is measured first and the driver last; each
 * reading then lands on the person it was taken of.
 */
export function crewReadings(t: Truck): number[] {
  return [...t.crew.map((m) => m.temperatureC).reverse(), t.temperatureC];
}

/**
 * A crew's timings at the thermometer, clock ms, drawn uniformly: the next person leans out
 * 0.5-2 s after the last pass (or the last person), and stays 3-3.5 s (the thermometer needs its
 * 0.5 s settle and 2 s stable window). Three persons are measured well within the lane's 20 s.
 */
export const CREW_GAP: [number, number] = [500, 2000];
export const CREW_HOLD: [number, number] = [3000, 3500];
