import type { ReadStream } from 'node:tty';
import { ErrorCode, GatepostError } from '../../core/errors.ts';

/** Reads all of a stream (e.g. `--password-stdin`), at most `max` bytes; drops one trailing newline. */
export async function readSecretFromStream(input: NodeJS.ReadableStream, max = 4096): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > max)
      throw new GatepostError(
        ErrorCode.SecretRefused,
        `the secret on standard input is longer than ${max} bytes`,
      );
    chunks.push(b);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Prompts on a terminal and reads a line without echoing it. Ctrl-C or Ctrl-D cancels. */
export function readSecretFromTty(
  prompt: string,
  input: ReadStream,
  output: NodeJS.WritableStream,
): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(prompt);
    let secret = '';
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.resume();
    const finish = (err?: Error) => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(secret);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || (ch === '\u0004' && secret === ''))
          return finish(new GatepostError(ErrorCode.SecretRefused, 'cancelled'));
        if (ch === '\u007f' || ch === '\b') secret = secret.slice(0, -1);
        else if (ch >= ' ') secret += ch;
      }
    };
    input.on('data', onData);
  });
}
