import { isIP } from 'node:net';
import { z } from 'zod';

const cameraId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,47}$/)
  .describe('Camera id: lower-case letters, digits and dashes; the last level of its push URL');

/** One camera that pushes to the listener, and the lane it watches. */
export const PushCameraConfigSchema = z
  .object({
    id: cameraId,
    lane: z.string().min(1).describe('The lane the camera watches (a lane id of checkpoints or the yard)'),
    secret: z
      .string()
      .min(16)
      .max(256)
      .optional()
      .describe('Shared secret the camera sends (header X-Camera-Secret, or ?secret= in its push URL)'),
    allow: z
      .array(z.string().refine((a) => isIP(a) !== 0, 'an IPv4 or IPv6 address'))
      .max(16)
      .optional()
      .describe('Source addresses the camera may push from'),
  })
  .strict()
  .refine((c) => c.secret !== undefined || (c.allow?.length ?? 0) > 0, {
    message: 'a camera needs a secret or an allow list of source addresses',
  });
export type PushCameraConfig = z.infer<typeof PushCameraConfigSchema>;

/**
 * The site's camera listener (docs/devices.md, "Plate and thermal cameras"): one HTTP port the
 * plate (ANPR) and thermal cameras push their events to, each camera on its own path.
 */
export const CamerasConfigSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Start the camera listener'),
    host: z.string().default('0.0.0.0').describe('Address the listener binds'),
    port: z.number().int().min(0).max(65535).default(8098).describe('Port (0: any free port, for tests)'),
    maxBodyBytes: z
      .number()
      .int()
      .min(4096)
      .max(64 * 1024 * 1024)
      .default(2 * 1024 * 1024)
      .describe('Largest push accepted, pictures included; counted while it streams in'),
    requestTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('A push must arrive whole within this long'),
    repeatWindowMs: z
      .number()
      .int()
      .nonnegative()
      .default(10_000)
      .describe('Reads of the same plate by the same camera within this long are one sighting'),
    silentAfterMs: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe('A camera with no push (heartbeats count) for this long is offline; 0: never by silence'),
    keepPictures: z
      .boolean()
      .default(false)
      .describe(
        'Keep pictures on disk (picturesPath), deleted after storage.personalDataRetentionDays; else only hash and size',
      ),
    picturesPath: z.string().default('var/camera-pictures').describe('Where kept pictures go'),
    plate: z.array(PushCameraConfigSchema).max(64).default([]).describe('Plate-recognition (ANPR) cameras'),
    thermal: z
      .array(PushCameraConfigSchema)
      .max(64)
      .default([])
      .describe('Thermal (body temperature) cameras'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    for (const [kind, list] of [
      ['plate', c.plate],
      ['thermal', c.thermal],
    ] as const) {
      const lanes = new Set<string>();
      list.forEach((cam, i) => {
        if (seen.has(cam.id))
          ctx.addIssue({
            code: 'custom',
            path: [kind, i, 'id'],
            message: `camera id "${cam.id}" is used twice`,
          });
        if (lanes.has(cam.lane))
          ctx.addIssue({
            code: 'custom',
            path: [kind, i, 'lane'],
            message: `lane "${cam.lane}" has two ${kind} cameras`,
          });
        seen.add(cam.id);
        lanes.add(cam.lane);
      });
    }
  });
export type CamerasConfig = z.infer<typeof CamerasConfigSchema>;
