import { open } from 'node:fs/promises';

/** Bytes read per call while reading a capped file. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * Reads a whole file, but never more than `maxBytes + 1` bytes of it: the cap is enforced while
 * reading, so a device (`/dev/zero`), a FIFO or a file that grows while it is read costs at most
 * the cap in time and memory, where a size check after `readFile` (or a `stat`, which says 0 for
 * those) would read forever. Throws an Error naming the cap when the file is larger.
 */
export async function readFileCapped(file: string, maxBytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const want = Math.min(CHUNK_BYTES, maxBytes + 1 - total);
      const chunk = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(chunk, 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === want ? chunk : chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}
