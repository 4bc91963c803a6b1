import { z } from 'zod';
import { ErrorCode } from '../core/errors.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { Logger } from '../core/logger.ts';

/**
 * Every event a device driver emits and every command it takes, one zod schema each. The
 * gateway's domain code sees only these types. Times are epoch milliseconds of the injected
 * clock.
 */
const at = z.number().int().describe('Clock time of the event, epoch ms');

// ---- common ---------------------------------------------------------------------------------

export const HealthStateSchema = z.enum(['online', 'offline', 'degraded']);

/** A device's health changed (the gateway publishes it retained). */
export const HealthEventSchema = z
  .object({ state: HealthStateSchema, previous: HealthStateSchema, reason: z.string(), at })
  .strict();
export type HealthEvent = z.infer<typeof HealthEventSchema>;

/**
 * Bad input or a failed exchange: counted, logged (bytes in hex, never a code's content) and
 * reported; never an exception out of a read loop.
 */
export const DeviceErrorEventSchema = z
  .object({
    errorCode: z.enum(ErrorCode).describe('GatepostError code, 200-499 for devices'),
    kind: z.string().describe('Short machine-readable cause, e.g. too-long, timeout, crc, exception'),
    message: z.string(),
    at,
    /** Bytes thrown away with this error, if any. */
    bytes: z.number().int().nonnegative().optional(),
    /** Modbus slave address, for Modbus errors. */
    address: z.number().int().min(0).max(255).optional(),
    /** Modbus exception code, for exception responses. */
    exceptionCode: z.number().int().min(0).max(255).optional(),
    /** The bay, for bay sensor errors. */
    bayId: z.string().optional(),
    /** A summary of this many errors of the kind held back by the driver's rate limit. */
    suppressed: z.number().int().positive().optional(),
  })
  .strict();
export type DeviceErrorEvent = z.infer<typeof DeviceErrorEventSchema>;

// ---- QR scanner (datasheet section 1) -------------------------------------------------------

/** One decoded code: UTF-8 text of 1 to 4,096 bytes, without NUL. Mask it in logs. */
export const ScanEventSchema = z
  .object({
    code: z.string().min(1),
    bytes: z.number().int().min(1).max(4096).describe('Length of the code in bytes'),
    at,
  })
  .strict();
export type ScanEvent = z.infer<typeof ScanEventSchema>;

// ---- thermometer (datasheet section 2) ------------------------------------------------------

/** One poll's reading, for live display; not a measurement. */
export const ThermometerReadingSchema = z
  .object({
    objectC: z.number(),
    ambientC: z.number(),
    present: z.boolean(),
    stable: z.boolean(),
    fault: z.boolean(),
    at,
  })
  .strict();
export type ThermometerReading = z.infer<typeof ThermometerReadingSchema>;

/** One measurement per presence episode: the median of the stable, plausible readings. */
export const MeasurementEventSchema = z
  .object({
    objectC: z.number().min(30).max(45).describe('Median skin temperature of the window, °C'),
    ambientC: z.number().describe('Median ambient temperature of the same readings, °C'),
    readings: z.number().int().positive(),
    windowMs: z.number().int().nonnegative(),
    reason: z.enum(['stable-window', 'target-left']),
    at,
  })
  .strict();
export type MeasurementEvent = z.infer<typeof MeasurementEventSchema>;

export const PresenceEventSchema = z.object({ present: z.boolean(), at }).strict();
export type PresenceEvent = z.infer<typeof PresenceEventSchema>;

// ---- bay occupancy sensors (datasheet section 5) --------------------------------------------

/** A bay's reading changed (or was read for the first time). */
export const BayEventSchema = z
  .object({
    bayId: z.string().min(1),
    bus: z.string(),
    address: z.number().int().min(1).max(247),
    occupied: z.boolean(),
    distanceCm: z.number().int().min(0).max(65535),
    at,
  })
  .strict();
export type BayEvent = z.infer<typeof BayEventSchema>;

/** A bay's sensor went offline (3 polls unanswered) or came back. */
export const SensorHealthEventSchema = z
  .object({
    bayId: z.string().min(1),
    bus: z.string(),
    address: z.number().int().min(1).max(247),
    state: z.enum(['online', 'offline']),
    at,
  })
  .strict();
export type SensorHealthEvent = z.infer<typeof SensorHealthEventSchema>;

/** A bay sensor bus's health: offline without its port, degraded while some sensors are offline. */
export const BusHealthEventSchema = z
  .object({ bus: z.string(), state: HealthStateSchema, previous: HealthStateSchema, reason: z.string(), at })
  .strict();
export type BusHealthEvent = z.infer<typeof BusHealthEventSchema>;

/** One bus finished a sweep over all its sensors. */
export const SweepEventSchema = z
  .object({
    bus: z.string(),
    durationMs: z.number().nonnegative(),
    sensors: z.number().int().nonnegative(),
    answered: z.number().int().nonnegative(),
    at,
  })
  .strict();
export type SweepEvent = z.infer<typeof SweepEventSchema>;

// ---- boom barriers (datasheet sections 3 and 4) ---------------------------------------------

export const BarrierStateSchema = z.enum(['unknown', 'closed', 'opening', 'open', 'closing', 'fault']);
export type BarrierState = z.infer<typeof BarrierStateSchema>;

export const BarrierStateEventSchema = z
  .object({ state: BarrierStateSchema, previous: BarrierStateSchema, reason: z.string(), at })
  .strict();
export type BarrierStateEvent = z.infer<typeof BarrierStateEventSchema>;

/** The loop detector: a vehicle arrived on the loop, or cleared it. */
export const VehicleEventSchema = z.object({ kind: z.enum(['arrived', 'cleared']), at }).strict();
export type VehicleEvent = z.infer<typeof VehicleEventSchema>;

/** A second vehicle reached the loop while the barrier was still open for the first one. */
export const TailgateEventSchema = z.object({ at, barrierState: BarrierStateSchema }).strict();
export type TailgateEvent = z.infer<typeof TailgateEventSchema>;

export const BarrierCommandSchema = z.object({ action: z.enum(['open', 'close']) }).strict();
export type BarrierCommand = z.infer<typeof BarrierCommandSchema>;

export const BarrierFailureSchema = z.enum([
  'unsafe', // close refused: a vehicle is on the loop (or came onto it while closing)
  'fault', // the limit was not reached in time, or the barrier reports FAULT
  'refused', // the serial barrier answered ERR
  'no-reply', // the serial barrier did not answer in time
  'superseded', // a later command asked for the other direction
  'offline', // the barrier's port is down
  'stopped', // the driver was stopped
]);
export type BarrierFailure = z.infer<typeof BarrierFailureSchema>;

/** What a barrier command's promise resolves to: it reached its state, or why not. */
export const BarrierCommandResultSchema = z.discriminatedUnion('ok', [
  z
    .object({ ok: z.literal(true), action: z.enum(['open', 'close']), state: BarrierStateSchema, at })
    .strict(),
  z
    .object({
      ok: z.literal(false),
      action: z.enum(['open', 'close']),
      failure: BarrierFailureSchema,
      reason: z.string(),
      state: BarrierStateSchema,
      at,
    })
    .strict(),
]);
export type BarrierCommandResult = z.infer<typeof BarrierCommandResultSchema>;

// ---- emitting -------------------------------------------------------------------------------

/**
 * Emits `payload` only if it matches its schema; a mismatch is a driver bug, logged and
 * dropped, never thrown into a read loop.
 */
export function emitChecked<E extends Record<string, unknown>, K extends keyof E & string>(
  bus: EventBus<E>,
  event: K,
  schema: z.ZodType<E[K]>,
  payload: E[K],
  log: Logger,
): void {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    log.error({ event, issues: parsed.error.issues.map((i) => i.message) }, 'device event failed its schema');
    return;
  }
  bus.emit(event, parsed.data);
}
