import { z } from 'zod';

/** The `simulation` section: simulated devices attached to the config's devices. */
export const SimulationConfigSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Attach simulated devices for every device of this config'),
    attach: z.enum(['in-process', 'pty']).default('in-process'),
    timeScale: z.number().positive().default(1),
    seed: z.number().int().default(1),
  })
  .strict();
