import { z } from 'zod';

/**
 * What the gateway asks a receipt printer to print, and what the printer says of itself: the
 * contract between the card issuer (gateway/cards) and the ESC/POS printer driver
 * (devices/printer). Browser-free and device-free: zod only.
 */

/** Budgets of one receipt, checked before anything is encoded. */
export const RECEIPT_LIMITS = {
  /** Lines (text, QR, feed, cut) in one receipt. */
  maxLines: 64,
  /** Characters in one text line (it wraps on paper; this is what one line may carry). */
  maxTextChars: 512,
  /** Bytes of a QR code's data: a GP1 card is a few hundred; QR version 40-L holds 2,953 bytes. */
  maxQrBytes: 2048,
} as const;

const align = z.enum(['left', 'centre', 'right']).default('left');

export const ReceiptLineSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('text'),
      text: z.string().max(RECEIPT_LIMITS.maxTextChars),
      align,
      bold: z.boolean().default(false),
      /** Character magnification 1..8 (GS !): 2 for headings a gloved hand reads at arm's length. */
      size: z.number().int().min(1).max(8).default(1),
    })
    .strict(),
  z
    .object({
      kind: z.literal('qr'),
      /** The code's data, printed as a QR code (GS ( k, model 2), byte mode, UTF-8. */
      data: z
        .string()
        .min(1)
        .refine((s) => Buffer.byteLength(s) <= RECEIPT_LIMITS.maxQrBytes, {
          message: `at most ${RECEIPT_LIMITS.maxQrBytes} bytes`,
        }),
      align: align.default('centre'),
      /** Module size in dots (GS ( k fn 167), 1..16. */
      moduleSize: z.number().int().min(1).max(16).default(6),
      errorCorrection: z.enum(['L', 'M', 'Q', 'H']).default('M'),
    })
    .strict(),
  z.object({ kind: z.literal('feed'), lines: z.number().int().min(1).max(16) }).strict(),
  z.object({ kind: z.literal('cut') }).strict(),
]);
export type ReceiptLine = z.input<typeof ReceiptLineSchema>;

export const ReceiptSchema = z
  .object({ lines: z.array(ReceiptLineSchema).min(1).max(RECEIPT_LIMITS.maxLines) })
  .strict();
export type Receipt = z.input<typeof ReceiptSchema>;
export type ParsedReceipt = z.output<typeof ReceiptSchema>;

/**
 * The printer's own report of itself (ESC/POS real-time status, DLE EOT n): the truth about its
 * state whenever it arrives.
 */
export const PrinterStatusSchema = z
  .object({
    online: z.boolean().describe('It answered its last status request'),
    paperOut: z.boolean(),
    paperNearEnd: z.boolean(),
    coverOpen: z.boolean(),
    /** An error the printer reports (cutter jam, head overheated, ...). */
    error: z.boolean(),
    at: z.number().int().describe('Clock time of the report, epoch ms'),
  })
  .strict();
export type PrinterStatus = z.infer<typeof PrinterStatusSchema>;

export const PRINT_FAILURES = [
  'offline',
  'paper-out',
  'cover-open',
  'error',
  'timeout',
  'busy',
  'invalid',
] as const;
export const PrintFailureSchema = z.enum(PRINT_FAILURES);
export type PrintFailure = z.infer<typeof PrintFailureSchema>;

/** The outcome of one print: printed (the printer took it and reported no fault after), or why not. */
export type PrintOutcome = { ok: true; at: number } | { ok: false; reason: PrintFailure; message: string };

/** What the card issuer needs of a printer: print a receipt, and its last known status. */
export interface ReceiptPrinterPort {
  print(receipt: Receipt): Promise<PrintOutcome>;
  status(): PrinterStatus | undefined;
}
