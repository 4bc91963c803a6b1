import { z } from 'zod';
import { PlateColourCodeSchema, PlateColourSchema } from '../../core/plate-colour.ts';
import type { DeviceErrorEventSchema, HealthEventSchema } from '../events.ts';

/**
 * The events of the push cameras, one zod schema each (the devices/events.ts pattern). The
 * listener emits them per camera after the gateway has committed what they carry; the lane of
 * the camera hears them through the gateway's camera wiring (gateway/cameras/).
 */
const at = z.number().int().describe('Clock time the gateway received the push, epoch ms');

const picture = z
  .object({
    name: z.string().max(128).describe('The part name the camera gave it (detectionPicture.jpg, ...)'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().nonnegative(),
    path: z.string().optional().describe('Where it is kept, with cameras.keepPictures'),
  })
  .strict();

/** A plate seen at a lane: the first read of a plate by a camera within cameras.repeatWindowMs. */
export const PlateSightingEventSchema = z
  .object({
    camera: z.string(),
    lane: z.string(),
    plate: z.string().min(1).max(16).describe('Normalised: upper-case, half-width, no spaces, province kept'),
    colour: PlateColourSchema,
    colourCode: PlateColourCodeSchema,
    confidence: z.number().min(0).max(100).optional(),
    direction: z.enum(['in', 'out', 'unknown']).optional(),
    cameraAt: z.number().int().optional().describe("The camera's own time of the read, epoch ms"),
    eventId: z.string().max(64).optional().describe("The camera's id of the read"),
    reads: z.number().int().positive().describe('Reads merged into this sighting so far (1 when made)'),
    late: z.boolean().describe('The camera read it more than cameras.repeatWindowMs before the push arrived'),
    pictures: z.array(picture).max(8),
    at,
  })
  .strict();
export type PlateSightingEvent = z.infer<typeof PlateSightingEventSchema>;

/** A body temperature measured by a thermal camera at a lane (°F and K converted to °C). */
export const CameraTemperatureEventSchema = z
  .object({
    camera: z.string(),
    lane: z.string(),
    source: z
      .literal('camera')
      .describe('Where the measurement came from (the lanes also have thermometer and handheld)'),
    objectC: z.number().min(30).max(45),
    value: z.number().describe('As the camera sent it'),
    unit: z.enum(['celsius', 'fahrenheit', 'kelvin']),
    abnormal: z.boolean().optional().describe("The camera's own verdict"),
    thresholdC: z.number().optional().describe("The camera's alarm threshold, °C"),
    eventType: z.string().max(64),
    cameraAt: z.number().int().optional(),
    eventId: z.string().max(64).optional(),
    pictures: z.array(picture).max(8),
    at,
  })
  .strict();
export type CameraTemperatureEvent = z.infer<typeof CameraTemperatureEventSchema>;

/** What a camera's bus carries (health and errors as the other devices do). */
export type CameraEvents = {
  sighting: PlateSightingEvent;
  temperature: CameraTemperatureEvent;
  health: z.infer<typeof HealthEventSchema>;
  error: z.infer<typeof DeviceErrorEventSchema>;
};
