import { z } from 'zod';

/**
 * A person's temperature readings: where each came from and, for the lane's screening
 * thermometer, the ambient temperature it was taken at. Zod only, browser-safe: the decision
 * rules judge these, the lane's records carry them, the kiosk sends a hand-entered one.
 *
 * - `screening`: the lane's fixed infrared thermometer (devices/thermometer), automatic;
 * - `handheld-ir`, `contact`: taken by staff and entered on the kiosk; each confirms (or clears)
 *   a screening fever by itself;
 * - `camera`: a thermal camera's reading, pushed by the camera (lane-cameras.ts) or entered by
 *   staff; a screening method, it confirms only as a second screening would.
 */
export const READING_METHODS = ['screening', 'handheld-ir', 'contact', 'camera'] as const;
export const ReadingMethodSchema = z.enum(READING_METHODS);
export type ReadingMethod = z.infer<typeof ReadingMethodSchema>;

/** The methods staff enter by hand on the kiosk. */
export const HAND_METHODS = ['handheld-ir', 'contact', 'camera'] as const;

/** Readings that confirm or clear a screening fever by themselves. */
export const CONFIRMING_METHODS: ReadonlySet<ReadingMethod> = new Set(['handheld-ir', 'contact']);

export const TemperatureReadingSchema = z
  .object({
    valueC: z.number().describe('The temperature, °C'),
    method: ReadingMethodSchema,
    at: z.number().describe('When it was taken, epoch ms'),
    ambientC: z
      .number()
      .optional()
      .describe('The ambient temperature it was taken at, °C (the screening thermometer reports it)'),
  })
  .strict();
export type TemperatureReading = z.infer<typeof TemperatureReadingSchema>;

/** The plausible range of a hand-entered reading: the screening thermometer's default. */
export const HAND_READING_MIN_C = 30;
export const HAND_READING_MAX_C = 45;

/** °F to °C, to 0.01 °C. */
export function fahrenheitToCelsius(f: number): number {
  return Math.round(((f - 32) * 5 * 100) / 9) / 100;
}

/** A value in `unit` as °C. */
export function toCelsius(value: number, unit: 'C' | 'F'): number {
  return unit === 'F' ? fahrenheitToCelsius(value) : value;
}

/**
 * A reading staff took by hand and enter on the kiosk (the staff id comes from the session, in
 * the request's envelope). `unit` F is converted; the value must be a plausible body temperature
 * (30-45 °C, 86-113 °F).
 */
export const HandReadingSchema = z
  .object({
    value: z.number().describe('As read off the instrument'),
    unit: z.enum(['C', 'F']).default('C').describe('The instrument’s unit; °F is converted to °C'),
    method: z.enum(HAND_METHODS),
  })
  .strict()
  .refine(
    (r) => {
      const c = toCelsius(r.value, r.unit);
      return c >= HAND_READING_MIN_C && c <= HAND_READING_MAX_C;
    },
    {
      path: ['value'],
      message: `must be a body temperature (${HAND_READING_MIN_C}-${HAND_READING_MAX_C} °C)`,
    },
  );
export type HandReading = z.infer<typeof HandReadingSchema>;
