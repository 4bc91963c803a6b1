import {
  CameraTemperatureEventSchema,
  PlateSightingEventSchema,
} from '../../devices/camera/camera-events.ts';
import { recordSchema } from './record.ts';
import { def } from './topic-def.ts';

/** The data of a `plate-sighting` record (the record's `at` is when the push arrived). */
export const PlateSightingDataSchema = PlateSightingEventSchema.omit({ at: true });
/** The data of a `camera-temperature` record. */
export const CameraTemperatureDataSchema = CameraTemperatureEventSchema.omit({ at: true });

/** The topics of the plate and thermal cameras (devices/camera/, gateway/cameras/). */
export const CAMERA_TOPICS = {
  lanePlateSighting: def({
    pattern: 'gatepost/{site}/lane/{lane}/plate-sighting',
    schema: recordSchema(PlateSightingDataSchema),
    retained: false,
    publisher: 'gateway',
    description:
      "A plate seen by the lane's plate camera, after it is committed to the store (the camera's 200 waits for that commit). Reads of the same plate by the camera within cameras.repeatWindowMs are one sighting. Pictures as SHA-256 and size only (a path with cameras.keepPictures). A record of the lane stream.",
  }),
  laneCameraTemperature: def({
    pattern: 'gatepost/{site}/lane/{lane}/camera-temperature',
    schema: recordSchema(CameraTemperatureDataSchema),
    retained: false,
    publisher: 'gateway',
    description:
      "A body temperature pushed by the lane's thermal camera (source `camera`; °F and K converted to °C), after it is committed to the store. A record of the lane stream.",
  }),
} as const;
