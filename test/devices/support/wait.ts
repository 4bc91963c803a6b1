/** Polls `cond` every 5 ms (real time) until it holds; throws after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Writes bytes as a UART at `baud` 8N1 would deliver them (about 10 bits a byte), in small
 * bursts: a PTY ignores the baud rate, so a test device has to pace itself.
 */
export async function writePaced(
  write: (b: Buffer) => Promise<void>,
  bytes: Uint8Array,
  baud = 9600,
  burst = 16,
): Promise<void> {
  const msPerByte = 10_000 / baud;
  for (let i = 0; i < bytes.length; i += burst) {
    const part = Buffer.from(bytes.subarray(i, i + burst));
    await write(part);
    await sleep(Math.max(1, Math.round(part.length * msPerByte)));
  }
}
