import { z } from 'zod';
import { type PlateColour, plateColourOfWord } from '../../core/plate-colour.ts';
import { field, first, identifier, numeric, text } from './body-text.ts';
import { normalisePlate, RAW_PLATE_MAX } from './plate-text.ts';

/**
 * The JSON body a generic plate camera may push (docs/devices.md, "Plate cameras"): a plate
 * read, its colour (a name or a toll network code), how sure the camera is, and when.
 */
export const GenericPlatePushSchema = z
  .object({
    plate: z.string().max(RAW_PLATE_MAX).describe('The plate as read; normalised by the gateway'),
    colour: z
      .union([z.string().max(32), z.number().int()])
      .optional()
      .describe('blue, yellow, green, yellow-green, ... or a toll network code (0 blue, 1 yellow, ...)'),
    confidence: z.number().min(0).max(100).optional().describe('0-100'),
    at: z
      .union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()])
      .optional()
      .describe('When the camera read it: ISO 8601 with offset, or epoch ms'),
    eventId: z
      .string()
      .max(64)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
      .optional()
      .describe("The camera's id of this read (a retried push repeats it)"),
    direction: z.enum(['in', 'out', 'unknown']).optional(),
  })
  .strict();
export type GenericPlatePush = z.infer<typeof GenericPlatePushSchema>;

/** What one plate push says, before the gateway gives it a lane and a time. */
export interface PlateRead {
  /** The plate as the camera wrote it (masked in logs like a code: it is evidence). */
  raw: string;
  plate: string;
  colour: PlateColour;
  confidence?: number;
  /** The camera's own time of the read, epoch ms, if it gave one that parses. */
  cameraAt?: number;
  eventId?: string;
  direction?: 'in' | 'out' | 'unknown';
}

export type PlatePushResult =
  | { kind: 'read'; read: PlateRead }
  /** A document that is not a plate read: a heartbeat (`videoloss`), another event type. */
  | { kind: 'other'; eventType: string }
  | { kind: 'refused'; reason: 'no-plate' | 'not-a-plate-push'; message: string };

/** Reads a parsed body: an ISAPI `EventNotificationAlert` or the generic JSON shape. */
export function readPlatePush(doc: unknown): PlatePushResult {
  const alert = field(doc, 'EventNotificationAlert') ?? (field(doc, 'eventType') ? doc : undefined);
  if (alert !== undefined) return readIsapiAlert(alert);
  const generic = GenericPlatePushSchema.safeParse(doc);
  if (!generic.success)
    return {
      kind: 'refused',
      reason: 'not-a-plate-push',
      message: `not an EventNotificationAlert nor the generic plate JSON (${generic.error.issues[0]?.path.join('.') || 'body'}: ${generic.error.issues[0]?.message})`,
    };
  const g = generic.data;
  const colour =
    g.colour === undefined
      ? undefined
      : plateColourOfWord(typeof g.colour === 'number' ? String(g.colour) : g.colour);
  return fromText(g.plate, colour, {
    ...(g.confidence === undefined ? {} : { confidence: g.confidence }),
    ...(g.at === undefined ? {} : { cameraAt: typeof g.at === 'number' ? g.at : Date.parse(g.at) }),
    ...(g.eventId === undefined ? {} : { eventId: g.eventId }),
    ...(g.direction === undefined ? {} : { direction: g.direction }),
  });
}

/** Hikvision ISAPI: `eventType` ANPR, the read under `ANPR` (licensePlate, plateColor, ...). */
function readIsapiAlert(alert: unknown): PlatePushResult {
  const named = field(alert, 'eventType');
  const eventType = identifier(named) ?? '';
  if (eventType.toUpperCase() !== 'ANPR')
    return { kind: 'other', eventType: eventType || (text(named) === undefined ? 'none' : 'unnamed') };
  const anpr = first(field(alert, 'ANPR'));
  const raw = text(field(anpr, 'licensePlate')) ?? text(field(anpr, 'originalLicensePlate'));
  if (raw === undefined)
    return { kind: 'refused', reason: 'no-plate', message: 'ANPR alert without a licensePlate' };
  const confidence = numeric(field(anpr, 'confidenceLevel'));
  const at = text(field(alert, 'dateTime'));
  const cameraAt = at === undefined ? Number.NaN : Date.parse(at);
  const eventId = identifier(field(alert, 'UUID'));
  const direction = text(field(anpr, 'direction'));
  return fromText(raw, optionalColour(text(field(anpr, 'plateColor'))), {
    ...(confidence !== undefined && confidence >= 0 && confidence <= 100 ? { confidence } : {}),
    ...(Number.isFinite(cameraAt) ? { cameraAt } : {}),
    ...(eventId ? { eventId } : {}),
    ...(direction === 'forward' ? { direction: 'in' } : direction === 'reverse' ? { direction: 'out' } : {}),
  });
}

function optionalColour(word: string | undefined): PlateColour | undefined {
  if (word === undefined) return undefined;
  const c = plateColourOfWord(word);
  return c === 'undetermined' ? undefined : c;
}

function fromText(
  raw: string,
  colour: PlateColour | undefined,
  rest: Omit<PlateRead, 'raw' | 'plate' | 'colour'>,
): PlatePushResult {
  const n = normalisePlate(raw);
  if (!n)
    return {
      kind: 'refused',
      reason: 'no-plate',
      message: 'the plate normalises to nothing (or is over-long)',
    };
  return {
    kind: 'read',
    read: { raw, plate: n.plate, colour: colour ?? n.colourPrefix ?? 'undetermined', ...rest },
  };
}
