/**
 * What the simulated printer's ESC/POS parser hears: one value per command it acts on, in the
 * order received. The parser is written from the vendors' command references (Epson ESC/POS,
 * TM-series specifications), never from the gateway's encoder, so the two cannot share a misreading.
 */
export type QrErrorCorrection = 'L' | 'M' | 'Q' | 'H';
export type Alignment = 'left' | 'centre' | 'right';

export type EscPosCommand =
  /** ESC @: back to power-on settings (modes, QR settings, stored graphics). */
  | { kind: 'init' }
  /** Printable bytes (not yet decoded: the code page may change mid-line). */
  | { kind: 'text'; bytes: Uint8Array }
  /** LF: print the line and feed one line. */
  | { kind: 'line-feed' }
  /** HT: to the next tab stop. */
  | { kind: 'tab' }
  /** ESC t n: the single-byte character code table. */
  | { kind: 'code-table'; table: number }
  /** FS & (on) / FS . (off): multi-byte (Chinese, GB18030 on Chinese models) character mode. */
  | { kind: 'kanji-mode'; on: boolean }
  /** ESC a n. */
  | { kind: 'align'; align: Alignment }
  /** ESC E n. */
  | { kind: 'bold'; on: boolean }
  /** ESC ! n: print mode (emphasised, double height, double width). */
  | { kind: 'print-mode'; bold: boolean; doubleHeight: boolean; doubleWidth: boolean }
  /** GS ! n: character size, 1-8 times in each direction. */
  | { kind: 'char-size'; width: number; height: number }
  /** ESC d n: print and feed n lines. */
  | { kind: 'feed-lines'; lines: number }
  /** ESC J n: print and feed n dots (n motion units). */
  | { kind: 'feed-dots'; dots: number }
  /** GS V (m = 0/1/48/49: cut now; 65/66: feed n dots then cut), ESC i / ESC m. */
  | { kind: 'cut'; partial: boolean; feedDots: number }
  /** GS ( k cn=49 fn=65 (Epson "function 165"): QR model. */
  | { kind: 'qr-model'; model: 1 | 2 | 'micro' }
  /** GS ( k cn=49 fn=67 (function 167): module size in dots, 1-16. */
  | { kind: 'qr-module-size'; dots: number }
  /** GS ( k cn=49 fn=69 (function 169): error correction level (n = 48..51). */
  | { kind: 'qr-error-correction'; level: QrErrorCorrection }
  /** GS ( k cn=49 fn=80 m=48 (function 180): data stored in the symbol storage area. */
  | { kind: 'qr-store'; data: Uint8Array }
  /** GS ( k cn=49 fn=81 m=48 (function 181): print the stored symbol. */
  | { kind: 'qr-print' }
  /** GS v 0 (printed at once), or GS ( L / GS 8 L fn=112 (stored; printed by `graphics-print`). */
  | {
      kind: 'raster';
      stored: boolean;
      widthDots: number;
      height: number;
      scaleX: number;
      scaleY: number;
      bits: Uint8Array;
    }
  /** GS ( L / GS 8 L fn=50: print the graphics stored in the print buffer. */
  | { kind: 'graphics-print' }
  /** DLE EOT n (n = 1..4): real-time status transmission; the printer answers one byte. */
  | { kind: 'status-request'; n: number }
  /** GS r n (n = 1 or 49: paper sensor status): the printer answers one byte. */
  | { kind: 'paper-sensor-request' };

/** Counters of what the parser skipped or refused, for tests and the console. */
export interface EscPosParserStats {
  /** Every byte pushed. */
  bytes: number;
  /** Commands recognised and skipped by their documented length (not acted on). */
  skippedCommands: number;
  /** Bytes of those skipped commands' parameters and data. */
  skippedBytes: number;
  /** Command prefixes (ESC/FS/GS/DLE + byte) whose length is not known: the prefix is dropped. */
  unknownCommands: number;
  /** Stray control bytes (C0 codes that are no command). */
  strayControlBytes: number;
  /** Commands whose data is over the parser's budget: their data was skipped, not stored. */
  oversizeCommands: number;
}
