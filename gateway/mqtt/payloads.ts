import { z } from 'zod';

/** Retained state of the gateway itself; also its last will (`offline`, reason `lost`). */
export const GatewayStateSchema = z
  .object({
    state: z.enum(['online', 'offline']),
    at: z.number().int().describe('Epoch ms'),
    reason: z.enum(['started', 'shutdown', 'lost']).describe('`lost` is the last will, sent by the broker'),
    version: z.string(),
  })
  .strict();
export type GatewayState = z.infer<typeof GatewayStateSchema>;

/** The data of a `scan` record: one code read by a lane's scanner. */
export const ScanDataSchema = z
  .object({
    lane: z.string(),
    transitId: z.uuid().optional().describe('The transit the code was read for (none in maintenance mode)'),
    kind: z
      .enum(['GP1', 'HC1', 'unverified'])
      .describe('By prefix; the verdict follows in a `verification` record'),
    code: z.string().describe('The code as scanned. Personal data: never logged'),
    bytes: z.number().int().positive(),
  })
  .strict();
export type ScanData = z.infer<typeof ScanDataSchema>;

export function codeKind(code: string): ScanData['kind'] {
  if (code.startsWith('GP1:')) return 'GP1';
  if (code.startsWith('HC1:')) return 'HC1';
  return 'unverified';
}

/** Retained health of one device. */
export const DeviceHealthSchema = z
  .object({
    device: z.string(),
    state: z.enum(['online', 'offline', 'degraded']),
    at: z.number().int(),
    reason: z.string().optional(),
  })
  .strict();
export type DeviceHealth = z.infer<typeof DeviceHealthSchema>;

/** The data of a `device-error` record: bad input from a device, reported and survived. */
export const DeviceErrorDataSchema = z
  .object({
    lane: z.string(),
    device: z.enum(['scanner', 'thermometer', 'barrier']),
    kind: z
      .string()
      .describe('Short cause: too-long, truncated, invalid-utf8, nul, noise, timeout, crc, exception, ...'),
    errorCode: z.number().int().describe('GatepostError code (200-499 for devices)'),
    message: z.string(),
    bytes: z.number().int().nonnegative().optional().describe('Bytes discarded with this error'),
  })
  .strict();
export type DeviceErrorData = z.infer<typeof DeviceErrorDataSchema>;
