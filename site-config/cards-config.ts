import { z } from 'zod';

/**
 * Whether `tz` is a time zone this node knows. The list of canonical zones answers for most
 * (Asia/Shanghai); only a name not in it (UTC, Etc/UTC, an alias such as Asia/Kolkata) is tried
 * with an Intl.DateTimeFormat. Building a DateTimeFormat pulls ICU's locale and calendar data
 * into the process (~6 MB of node's pages and ~2 MB of its own, measured): the gateway then
 * carried them from its config load on, for a date it writes only when a card is printed.
 */
export function isTimeZone(tz: string): boolean {
  if (Intl.supportedValuesOf('timeZone').includes(tz)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The `cards` section: cards for drivers without phones (docs/passes.md#site-key-and-cards). */
export const CardsConfigSchema = z
  .object({
    validHours: z
      .number()
      .int()
      .min(1)
      .max(720)
      .default(72)
      .describe(
        'A card expires this long after it is issued (it outlives a lapsed yard reservation: the yard exit then finds no truck for it)',
      ),
    timeZone: z
      .string()
      .default('Asia/Shanghai')
      .refine(isTimeZone, { message: 'must be an IANA time zone, e.g. Asia/Shanghai' })
      .describe('The time zone the printed "valid until" is written in'),
  })
  .strict();
export type CardsConfig = z.infer<typeof CardsConfigSchema>;
