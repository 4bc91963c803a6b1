import { z } from 'zod';

/** The `web` section: the listener of the kiosk and yard pages. */
export const WebConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(8080),
  })
  .strict();
