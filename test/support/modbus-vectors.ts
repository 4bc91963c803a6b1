import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Parser for test/fixtures/modbus/rtu-vectors.txt (collected for this project). The file
 * is written for people; this reads what a test needs from it:
 *  - section A: input bytes -> CRC register value -> wire bytes;
 *  - every frame written as hex on the other lines, with the CRC verdict the file gives it:
 *    `BADCRC`/`GARBAGE` frames and requests marked `crc: BAD` or `(bad CRC` are bad, a `STREAM`
 *    is two frames back to back, everything else is stated (or, in section D, said) to be OK.
 */
export const VECTORS_PATH = fileURLToPath(new URL('../fixtures/modbus/rtu-vectors.txt', import.meta.url));

export interface CrcVector {
  input: Buffer;
  crc: number;
  wire: Buffer;
  line: number;
}

export interface FrameVector {
  label: string;
  bytes: Buffer;
  /** The file's verdict on this frame's trailing CRC. */
  crcOk: boolean;
  /** The CRC the file says it re-computed for a BAD frame (wire order), if given. */
  calc?: Buffer;
  section: string;
  line: number;
  text: string;
}

export interface Exchange {
  request: Buffer;
  response: Buffer;
  section: string;
  line: number;
}

export interface Vectors {
  crc: CrcVector[];
  frames: FrameVector[];
  /** REQ/RSP (or REQ/EXC) pairs whose response bytes are written out. */
  exchanges: Exchange[];
}

const HEX_RUN = /(?:^|\s|\|)((?:[0-9A-F]{2} )+[0-9A-F]{2})(?=\s|$|\|)/g;
const LABELLED = /\b(REQ|RSP|EXC|SHORT|BADCRC|GARBAGE|STREAM)\s+((?:[0-9A-F]{2} )+[0-9A-F]{2})\b/g;

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

export function loadVectors(path = VECTORS_PATH): Vectors {
  const out: Vectors = { crc: [], frames: [], exchanges: [] };
  let section = '';
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const line = i + 1;
      const text = raw.trim();
      const heading = /^## ([A-Z])\./.exec(text);
      if (heading) section = heading[1] as string;
      if (!text || text.startsWith('#')) return;

      if (section === 'A') {
        const m = /^(.*?)\s*->\s*0x([0-9A-F]{4})\s*->\s*([0-9A-F]{2} [0-9A-F]{2})/.exec(text);
        if (!m) return;
        const src = m[1] as string;
        const ascii = /^ascii "(.*)"$/.exec(src);
        out.crc.push({
          input: ascii ? Buffer.from(ascii[1] as string, 'latin1') : hex(src),
          crc: Number.parseInt(m[2] as string, 16),
          wire: hex(m[3] as string),
          line,
        });
        return;
      }
      if (section !== 'B' && section !== 'C' && section !== 'D') return;

      const labelled = [...text.matchAll(LABELLED)].map((m) => ({
        label: m[1] as string,
        bytes: m[2] as string,
      }));
      const found =
        labelled.length > 0
          ? labelled
          : [...text.matchAll(HEX_RUN)]
              .map((m) => ({ label: 'FRAME', bytes: m[1] as string }))
              .filter((f) => f.bytes.length >= 11);
      const reqBad = /(?:req )?crc: BAD|\(bad CRC/.test(text);
      const calcMatch = /calc ([0-9A-F]{2} [0-9A-F]{2})/.exec(text);
      for (const f of found) {
        const bytes = hex(f.bytes);
        if (f.label === 'STREAM') {
          // "bad frame then good frame": two 5-byte exception replies back to back.
          out.frames.push({
            label: 'STREAM-1',
            bytes: bytes.subarray(0, 5),
            crcOk: false,
            section,
            line,
            text,
          });
          out.frames.push({ label: 'STREAM-2', bytes: bytes.subarray(5), crcOk: true, section, line, text });
          continue;
        }
        const bad = f.label === 'BADCRC' || f.label === 'GARBAGE' || (f.label === 'REQ' && reqBad);
        out.frames.push({
          label: f.label,
          bytes,
          crcOk: !bad,
          ...(bad && f.label === 'REQ' && calcMatch ? { calc: hex(calcMatch[1] as string) } : {}),
          section,
          line,
          text,
        });
      }
      const req = labelled.find((f) => f.label === 'REQ');
      const rsp = labelled.find((f) => f.label === 'RSP' || f.label === 'EXC');
      if (req && rsp && !/no reply/.test(text))
        out.exchanges.push({ request: hex(req.bytes), response: hex(rsp.bytes), section, line });
    });
  return out;
}
