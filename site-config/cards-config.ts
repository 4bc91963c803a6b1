import { z } from 'zod';

/** The `cards` section: cards for drivers without phones (docs/passes.md#site-key-and-cards). */
export const CardsConfigSchema = z
  .object({
    validHours: z
      .number()
      .int()
      .min(1)
      .max(720)
      .default(72)
      .describe('A card expires this long after it is issued (sooner if its yard reservation lapses first)'),
    timeZone: z
      .string()
      .default('Asia/Shanghai')
      .refine(
        (tz) => {
          try {
            new Intl.DateTimeFormat('en', { timeZone: tz });
            return true;
          } catch {
            return false;
          }
        },
        { message: 'must be an IANA time zone, e.g. Asia/Shanghai' },
      )
      .describe('The time zone the printed "valid until" is written in'),
  })
  .strict();
export type CardsConfig = z.infer<typeof CardsConfigSchema>;
