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
