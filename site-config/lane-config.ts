import { z } from 'zod';
import { BarrierConfigSchema } from '../devices/barrier/config.ts';
import { LaneScannerConfigSchema } from '../devices/scanner/config.ts';
import { ThermometerConfigSchema } from '../devices/thermometer/config.ts';
import { ConfigIdSchema as id } from './config-id.ts';

/** A lane and its devices (of a checkpoint, or an exit lane of the yard). */
export const LaneConfigSchema = z
  .object({
    id,
    name: z.string().min(1),
    kind: z.enum(['entry', 'yard-exit']).default('entry'),
    hasLoop: z
      .boolean()
      .default(true)
      .describe('Without a loop detector a transit begins with the first scan'),
    decisionTimeoutMs: z.number().int().positive().default(20000),
    destinations: z
      .array(z.string().trim().min(1).max(32))
      .max(64)
      .optional()
      .describe(
        "The destinations this lane serves (a GP1 pass's `dest`: region codes, compared trimmed and case-blind); a pass to another is REVIEW route-mismatch. Absent: every destination",
      ),
    devices: z
      .object({
        scanner: LaneScannerConfigSchema,
        thermometer: ThermometerConfigSchema.optional(),
        barrier: BarrierConfigSchema,
      })
      .strict(),
  })
  .strict();
export type LaneConfig = z.infer<typeof LaneConfigSchema>;

/** The `checkpoints` section's entries: a checkpoint and its lanes. */
export const CheckpointConfigSchema = z
  .object({ id, name: z.string().min(1), lanes: z.array(LaneConfigSchema).min(1) })
  .strict();
