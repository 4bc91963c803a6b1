import { z } from 'zod';
import type { BayEvent, SensorHealthEvent } from '../../devices/events.ts';
import type { ExitCheck } from './exit-check.ts';
import { VisitSeedSchema } from './yard-payloads.ts';

/** What a lane asks for: a bay for a truck sent to the yard (YARD) or to isolation (ISOLATE). */
export const ReserveInputSchema = z
  .object({
    zoneKind: z.enum(['parking', 'isolation']),
    plate: VisitSeedSchema.shape.plate,
    plateColour: VisitSeedSchema.shape.plateColour,
    subject: VisitSeedSchema.shape.subject,
    lane: z.string().min(1).max(64),
    transitId: z.string().min(1).max(64),
    reason: z.string().min(1).max(200),
    origin: VisitSeedSchema.shape.origin,
    destination: VisitSeedSchema.shape.destination,
  })
  .strict();
export type ReserveInput = z.input<typeof ReserveInputSchema>;

export const RESERVE_FAILURES = [
  'zone-full',
  'no-zone',
  'already-in-yard',
  'invalid-request',
  'store-failed',
  'stopped',
] as const;
export type ReserveFailure = (typeof RESERVE_FAILURES)[number];
export type ReserveResult =
  | { ok: true; bay: string; visitId: string }
  | { ok: false; reason: ReserveFailure; message: string };
/** A bay held for a truck, its reservation `committed` (or not) later: Yard.hold. */
export type HeldBay =
  | { ok: true; bay: string; visitId: string; committed: Promise<ReserveResult> }
  | { ok: false; reason: ReserveFailure; message: string };

/** What the yard needs of the bay sensor driver: its events (devices/events.ts), nothing else. */
export interface BaySensorSource {
  on(event: 'bay', listener: (e: BayEvent) => unknown): () => void;
  on(event: 'sensor-health', listener: (e: SensorHealthEvent) => unknown): () => void;
}

/** A truck's exit, its record `committed` (or not) later: Yard.holdExit. */
export type HeldExit =
  | (Extract<ExitCheck, { allowed: true }> & {
      committed: Promise<{ ok: true } | { ok: false; message: string }>;
    })
  | Extract<ExitCheck, { allowed: false }>;

export type ExitQuery = { plate?: string; subject?: string; lane: string; transitId?: string };
