import { afterEach, describe, expect, it, vi } from 'vitest';
import { CardsConfigSchema, isTimeZone } from '../../site-config/cards-config.ts';

/**
 * The `cards.timeZone` check: every name Intl knows is accepted (canonical zones, UTC, aliases),
 * anything else refused; and a canonical zone is checked without building an Intl.DateTimeFormat,
 * which would pull ICU's locale data into the gateway at its config load.
 */
describe('cards.timeZone', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('accepts the zones Intl knows, aliases and UTC included, and refuses others', () => {
    for (const tz of ['Asia/Shanghai', 'Europe/Berlin', 'UTC', 'Etc/UTC', 'Asia/Kolkata', 'Asia/Calcutta'])
      expect(isTimeZone(tz), tz).toBe(true);
    for (const tz of ['Mars/Olympus_Mons', 'Asia/Shanghai ', '', 'local'])
      expect(isTimeZone(tz), tz).toBe(false);
    expect(CardsConfigSchema.parse({}).timeZone).toBe('Asia/Shanghai');
    const refused = CardsConfigSchema.safeParse({ timeZone: 'Mars/Olympus_Mons' });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe('must be an IANA time zone, e.g. Asia/Shanghai');
  });

  it('checks a canonical zone without an Intl.DateTimeFormat; only a name off the list builds one', () => {
    const built = vi.spyOn(Intl, 'DateTimeFormat');
    expect(CardsConfigSchema.parse({ timeZone: 'Asia/Shanghai' }).timeZone).toBe('Asia/Shanghai');
    expect(built).not.toHaveBeenCalled();
    expect(CardsConfigSchema.parse({ timeZone: 'UTC' }).timeZone).toBe('UTC');
    expect(built).toHaveBeenCalledTimes(1);
  });
});
