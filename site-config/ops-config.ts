import { z } from 'zod';

/** The `ops` section: the metrics and health listener, the clock check, real-time scheduling. */
export const OpsConfigSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Serve /metrics (Prometheus), /healthz and /readyz on their own listener; see docs/operations.md',
      ),
    host: z
      .string()
      .default('127.0.0.1')
      .describe(
        'Listen address; 0.0.0.0 lets a Prometheus on another box scrape (no authentication: firewall it)',
      ),
    port: z.number().int().min(0).max(65535).default(9464),
    clockCheck: z
      .object({
        enabled: z.boolean().default(true),
        toleranceSeconds: z
          .number()
          .nonnegative()
          .default(60)
          .describe('How far behind the newest stored record the clock may be before it counts as wrong'),
        intervalSeconds: z.number().int().positive().default(60).describe('How often the check runs again'),
      })
      .strict()
      .prefault({})
      .describe('Alarm when the clock is not synchronised (no RTC and no NTP after a power cut)'),
    realtime: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            'Once started, run the lanes’ event loop (the main thread) under SCHED_RR (Linux; needs CAP_SYS_NICE or LimitRTPRIO, see ops/gatepost.service; without, a warning is logged and it runs at normal priority). Not while the simulation runs in the process',
          ),
        priority: z
          .number()
          .int()
          .min(1)
          .max(99)
          .default(10)
          .describe('Real-time priority of the lanes’ event loop (LimitRTPRIO in the unit must allow it)'),
      })
      .strict()
      .prefault({})
      .describe('Real-time scheduling of the gateway process (docs/operations.md: latency under load)'),
  })
  .strict();
