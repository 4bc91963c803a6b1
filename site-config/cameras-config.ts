import { CamerasConfigSchema } from '../devices/camera/config.ts';

/**
 * The `cameras` section: the site's listener for plate-recognition (ANPR) and thermal cameras
 * that push their events over HTTP, and each camera's lane. Its schema lives beside the driver
 * (devices/camera/config.ts); off unless `enabled`.
 */
export const CamerasSectionSchema = CamerasConfigSchema.prefault({});
export { CamerasConfigSchema };
