import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { ErrorCode, GatepostError } from './errors.ts';

export { decodeUtf8Strict } from './bounded-json.ts';

/**
 * Reads a whole file of the operator's (a site config, the users file, a trust list) within a
 * byte budget that is enforced while reading, never after: at most `maxBytes + 1` bytes are ever
 * read. Only regular files are read: a FIFO, a character device (`/dev/zero`, a tty), a socket or
 * a directory is refused at once, without blocking (the file is opened non-blocking, so a FIFO
 * with no writer cannot hang the caller). Throws a ConfigUnreadable error whose message says
 * what is wrong; the caller names the file and wraps it in its own GatepostError.
 */
export function readFileCapped(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw new GatepostError(ErrorCode.ConfigUnreadable, `is not a regular file (it is ${kindOf(st)})`);
    if (st.size > maxBytes)
      throw new GatepostError(ErrorCode.ConfigUnreadable, tooLarge(`${st.size} bytes`, maxBytes));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // A file that grows while it is read is still read no further than the budget.
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      if (total > maxBytes)
        throw new GatepostError(ErrorCode.ConfigUnreadable, tooLarge('it grew while read', maxBytes));
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

function tooLarge(what: string, maxBytes: number): string {
  return `is larger than the ${maxBytes} bytes allowed (${what})`;
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}
