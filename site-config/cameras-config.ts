import type { z } from 'zod';
import { CamerasConfigSchema } from '../devices/camera/config.ts';

/**
 * The `cameras` section: the site's listener for plate-recognition (ANPR) and thermal cameras
 * that push their events over HTTP, and each camera's lane. Its schema lives beside the driver
 * (devices/camera/config.ts); off unless `enabled`.
 */
export const CamerasSectionSchema = CamerasConfigSchema.prefault({});
export { CamerasConfigSchema };

interface LanesAndCameras {
  checkpoints: { lanes: { id: string }[] }[];
  yard: { exitLanes: { id: string }[] };
  cameras: z.infer<typeof CamerasConfigSchema>;
}

/** Every camera watches a lane of the site (a checkpoint lane or a yard exit lane). */
export function checkCameraLanes(config: LanesAndCameras, ctx: z.RefinementCtx): void {
  const lanes = new Set([
    ...config.checkpoints.flatMap((c) => c.lanes.map((l) => l.id)),
    ...config.yard.exitLanes.map((l) => l.id),
  ]);
  for (const kind of ['plate', 'thermal'] as const)
    config.cameras[kind].forEach((cam, i) => {
      if (!lanes.has(cam.lane))
        ctx.addIssue({
          code: 'custom',
          path: ['cameras', kind, i, 'lane'],
          message: `camera "${cam.id}" watches lane "${cam.lane}", which the site does not have`,
        });
    });
}
