import type { Receipt } from '../../devices/printer/receipt.ts';
import type { StoredCard } from './card-store.ts';

const COLOR_WORDS: Record<StoredCard['color'], string> = {
  green: '绿码 GREEN',
  yellow: '黄码 YELLOW',
  red: '红码 RED',
};

/** `2026-12-09 14:05` in the time zone given (the site's). */
export function formatLocal(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const part = (t: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === t)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}

/**
 * The printed card: the site's name, the plate in big characters, its colour, the bay, the
 * validity in the site's time zone, the QR with the GP1 code, the card id, and what to do with
 * it in Chinese and English.
 */
export function cardReceipt(card: StoredCard, siteName: string, timeZone: string): Receipt {
  return {
    lines: [
      { kind: 'text', text: siteName, align: 'centre', bold: true, size: 2 },
      { kind: 'text', text: '通行卡 ENTRY CARD', align: 'centre' },
      { kind: 'feed', lines: 1 },
      { kind: 'text', text: card.plate, align: 'centre', bold: true, size: 3 },
      { kind: 'text', text: COLOR_WORDS[card.color], align: 'centre', bold: true },
      ...(card.bay
        ? [{ kind: 'text' as const, text: `车位 BAY ${card.bay}`, align: 'centre' as const }]
        : []),
      {
        kind: 'text',
        text: `有效期至 VALID UNTIL ${formatLocal(card.validUntil, timeZone)} (${timeZone})`,
        align: 'centre',
      },
      { kind: 'qr', data: card.code, align: 'centre', moduleSize: 4, errorCorrection: 'M' },
      { kind: 'text', text: card.id, align: 'centre' },
      { kind: 'text', text: '过卡口时出示此卡，请勿折叠。', align: 'centre' },
      { kind: 'text', text: 'Show this card at every lane. Do not fold.', align: 'centre' },
      { kind: 'feed', lines: 3 },
      { kind: 'cut' },
    ],
  };
}
