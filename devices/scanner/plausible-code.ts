/**
 * What a scanned code may look like to be taken as a scan at all (datasheet section 1): UTF-8
 * *text* of 1 to 4,096 bytes, and for the two pass formats, their own alphabet. Anything else a
 * scanner line carries (a babbling scanner, a wrong baud rate, a cable picking up noise) is bad
 * input, not a scan: it must never reach the lane as a code to decide on.
 *
 * - No control characters (C0 U+0000-U+001F, DEL, C1 U+0080-U+009F): a scanner in serial
 *   emulation sends printable text; the terminator and STX/ETX are framing, never content.
 * - No U+FFFD (a decoder's "I could not read this") and no Unicode noncharacters.
 * - `GP1:` is followed by a JWS compact serialization: base64url and dots only.
 * - `HC1:` is followed by base45: `0-9 A-Z`, space and `$%*+-./:` only.
 *
 * Codes without a pass prefix are kept as unverified codes when they pass the text rules (the
 * datasheet: "anything else: an unverified code, kept as scanned").
 */
export type ImplausibleWhy = 'control-character' | 'not-text' | 'gp1-alphabet' | 'hc1-alphabet';

/** The bytes a scan of a pass begins with (the framer's resync after a cut relies on them). */
export const PASS_PREFIXES = ['GP1:', 'HC1:'] as const;

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const GP1_BODY = /^[A-Za-z0-9_.-]*$/;
const HC1_BODY = /^[0-9A-Z $%*+\-./:]*$/;

function hasNonText(text: string): boolean {
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (cp === 0xfffd) return true;
    if (cp >= 0xfdd0 && cp <= 0xfdef) return true;
    if ((cp & 0xfffe) === 0xfffe) return true;
  }
  return false;
}

/** Why `text` cannot be a scanned code, or undefined when it can. Linear in the text's length. */
export function implausibility(text: string): ImplausibleWhy | undefined {
  if (CONTROL.test(text)) return 'control-character';
  if (hasNonText(text)) return 'not-text';
  const [gp1, hc1] = PASS_PREFIXES;
  if (text.startsWith(gp1) && !GP1_BODY.test(text.slice(gp1.length))) return 'gp1-alphabet';
  if (text.startsWith(hc1) && !HC1_BODY.test(text.slice(hc1.length))) return 'hc1-alphabet';
  return undefined;
}
