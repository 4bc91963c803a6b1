import { z } from 'zod';
import { DEFAULT_TELEMETRY_TYPES, protectedConflict } from './telemetry-types.ts';

/** The `storage` section: the record store, its disk budget and retention. */
export const StorageConfigSchema = z
  .object({
    path: z.string().default('var/gatepost.db'),
    maxBytes: z
      .number()
      .int()
      .positive()
      .default(2 * 1024 ** 3)
      .describe('Disk the store may use (database + WAL); see docs/storage.md for what gives way'),
    reserveBytes: z
      .number()
      .int()
      .nonnegative()
      .default(32 * 1024 ** 2)
      .describe('Slack file kept next to the store, released to reclaim on a full disk (0: none)'),
    maxAgeDays: z
      .number()
      .positive()
      .default(90)
      .describe('Delivered records older than this may be reclaimed'),
    alarmRatios: z
      .tuple([z.number().gt(0).lt(1), z.number().gt(0).lt(1)])
      .default([0.8, 0.95])
      .describe('Warning and critical alarm levels, as fractions of maxBytes'),
    reclaimTargetRatio: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.7)
      .describe('Under disk pressure, delivered records are reclaimed until usage is below this'),
    groupCommitMs: z.number().nonnegative().default(2).describe('Longest wait to batch rows into one fsync'),
    checkpointIntervalMs: z
      .number()
      .int()
      .positive()
      .default(5000)
      .describe(
        'WAL checkpoint at least this often while records come in, between commits (never inside one)',
      ),
    checkpointRows: z
      .number()
      .int()
      .positive()
      .default(5000)
      .describe('... and as soon as this many rows were committed since the last one'),
    maxBatchRows: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe('A group commit this large is made at once'),
    telemetryTypes: z
      .array(z.string().regex(/^[a-z][a-z0-9-]*\*?$/))
      .default([...DEFAULT_TELEMETRY_TYPES])
      .describe(
        'Record types of bulky telemetry, the first to give way at the disk limit (`prefix*` allowed)',
      ),
    personalDataRetentionDays: z.number().positive().default(30),
    personalData: z
      .enum(['pseudonymise', 'delete'])
      .default('pseudonymise')
      .describe('What happens to names and ID numbers after personalDataRetentionDays, once delivered'),
    ledgerMaxAgeDays: z.number().positive().default(365).describe('Ledger rows older than this are deleted'),
    checkIntervalMs: z
      .number()
      .int()
      .positive()
      .default(10000)
      .describe('Disk usage check and storage status'),
    maintenanceIntervalMs: z
      .number()
      .int()
      .positive()
      .default(3600000)
      .describe('Age-based reclaim and personal-data retention run'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.alarmRatios[0] >= s.alarmRatios[1]) {
      ctx.addIssue({
        code: 'custom',
        path: ['alarmRatios'],
        message: 'the warning level must be below the critical one',
      });
    }
    if (s.reclaimTargetRatio >= s.alarmRatios[0]) {
      ctx.addIssue({
        code: 'custom',
        path: ['reclaimTargetRatio'],
        message: 'must be below the warning level',
      });
    }
    s.telemetryTypes.forEach((t, i) => {
      const conflict = protectedConflict(t);
      if (conflict) ctx.addIssue({ code: 'custom', path: ['telemetryTypes', i], message: conflict });
    });
  });
