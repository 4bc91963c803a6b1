import { z } from 'zod';

/**
 * Every record the gateway makes (a scan, a decision, a barrier movement, a yard change, an
 * audit entry) travels in this envelope: stored first, then published locally on
 * `gatepost/<site>/<stream>/<type>`, then forwarded to the central broker. `id` is unique and
 * time-ordered (UUIDv7), so the central side can drop duplicates; `seq` orders the records of
 * one stream.
 */
export const StreamSchema = z
  .string()
  .regex(/^(lane\/[a-z0-9][a-z0-9-]*|yard|gateway|cards)$/)
  .describe(
    'A lane (`lane/<lane id>`), the yard (`yard`), the cards (`cards`) or the gateway itself (`gateway`)',
  );
export type Stream = z.infer<typeof StreamSchema>;

export const RecordTypeSchema = z.string().regex(/^[a-z][a-z0-9-]*$/);

/**
 * The envelope's fields, built once: every record topic's schema (some 80 in the topic table)
 * shares them instead of building its own dozen zod schemas (docs/memory.md).
 */
const ENVELOPE_FIELDS = {
  id: z.uuid().describe('Unique, time-ordered record id (UUIDv7)'),
  site: z.string(),
  stream: StreamSchema,
  seq: z.number().int().positive().describe('Position in its stream, from 1, without gaps'),
  type: RecordTypeSchema,
  at: z.number().int().describe('When it happened, epoch milliseconds (gateway clock)'),
};

export function recordSchema<D extends z.ZodType>(data: D) {
  return z.strictObject({ ...ENVELOPE_FIELDS, data });
}

export const AnyRecordSchema = recordSchema(z.unknown());
export type GatepostRecord<D = unknown> = Omit<z.infer<typeof AnyRecordSchema>, 'data'> & { data: D };

export function laneStream(laneId: string): Stream {
  return `lane/${laneId}`;
}
