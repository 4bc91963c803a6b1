import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Busboy, type BusboyFileStream, type BusboyInstance } from '@fastify/busboy';

/** A picture part of a push: hashed and counted as it streams; its bytes only when asked. */
export interface PushPicture {
  name: string;
  sha256: string;
  bytes: number;
  data?: Buffer;
}

export type PushBody =
  | { ok: true; document: Buffer; charset?: string; pictures: PushPicture[]; bytes: number }
  | { ok: false; status: 400 | 408 | 413 | 415; kind: PushBodyFault; message: string; bytes: number };

export type PushBodyFault =
  | 'too-large'
  | 'too-many-parts'
  | 'timeout'
  | 'bad-multipart'
  | 'no-document'
  | 'unsupported-type'
  | 'aborted';

export interface PushBodyOptions {
  maxBytes: number;
  timeoutMs: number;
  /** Keep the pictures' bytes (cameras.keepPictures); else only their hash and size. */
  keepPictures: boolean;
}

/** Parts of a multipart push at most (an ANPR push has the XML and 2 or 3 pictures). */
const MAX_PARTS = 10;
/** The XML or JSON document's own budget inside the body. */
export const MAX_DOCUMENT_BYTES = 256 * 1024;
/** Past the cap the rest is read and thrown away, up to this many times the cap, so the camera hears the 413. */
const DRAIN_FACTOR = 4;

const DOCUMENT_TYPES = /^(application|text)\/(xml|json|plain)$/;

/**
 * Reads one camera push. The byte cap is counted on the request as it streams, before any
 * parsing: past `maxBytes` nothing more is kept or parsed (the rest is drained, then refused
 * with 413), so an oversized push costs no memory. A bare XML or JSON body is the document; a
 * `multipart/form-data` push is split as it streams (busboy): the part named or typed as XML or
 * JSON (Hikvision's `anpr.xml`) is the document, every other part a picture, kept as its
 * SHA-256 and size.
 */
export function readPushBody(req: IncomingMessage, o: PushBodyOptions): Promise<PushBody> {
  return new Promise((resolve) => {
    let total = 0;
    let settled = false;
    let over = false;
    const type = req.headers['content-type'] ?? '';
    const mime = type.split(';')[0]?.trim().toLowerCase() ?? '';
    const charset = /;\s*charset="?([A-Za-z0-9_-]+)"?/i.exec(type)?.[1];
    const declared = Number(req.headers['content-length']);
    const finish = (r: PushBody) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const fail = (status: 400 | 408 | 413 | 415, kind: PushBodyFault, message: string) =>
      finish({ ok: false, status, kind, message, bytes: total });
    // The answer (408, connection: close) ends the connection; destroying it here would lose the answer.
    const timer = setTimeout(
      () => fail(408, 'timeout', `the push did not arrive whole within ${o.timeoutMs} ms`),
      o.timeoutMs,
    );
    timer.unref();
    req.on('aborted', () => fail(400, 'aborted', 'the camera closed the connection mid-push'));
    req.on('error', () => fail(400, 'aborted', 'the connection failed mid-push'));

    // A bare XML or JSON body is only the document: it has the document's budget, not the pictures'.
    const bare = mime !== 'multipart/form-data';
    const cap = bare ? Math.min(o.maxBytes, MAX_DOCUMENT_BYTES) : o.maxBytes;
    const tooLarge = () =>
      fail(
        413,
        'too-large',
        bare && cap < o.maxBytes
          ? `the document is larger than ${cap} bytes (cameras.maxBodyBytes is for multipart pushes with pictures)`
          : `the push is larger than cameras.maxBodyBytes (${o.maxBytes} bytes)`,
      );
    /** Refuses now and cuts the connection once the answer is out (the listener answers in this turn). */
    const cutOff = () => {
      tooLarge();
      setImmediate(() => req.destroy());
    };
    if (Number.isFinite(declared) && declared > cap) return cutOff();

    const pictures: PushPicture[] = [];
    let document: Buffer | undefined;
    let parse: ((chunk: Buffer) => boolean) | undefined;
    let end: () => void = () => {};
    /** Lets go of what was kept so far (the push went over the cap). */
    let release: () => void = () => {};

    if (mime === 'multipart/form-data') {
      let boy: BusboyInstance;
      try {
        boy = new Busboy({
          headers: req.headers as { 'content-type': string },
          isPartAFile: () => true,
          limits: { parts: MAX_PARTS, files: MAX_PARTS, headerPairs: 20, fileSize: o.maxBytes },
        });
      } catch {
        req.resume();
        return fail(400, 'bad-multipart', 'multipart push without a usable boundary');
      }
      let pending = 0;
      let ended = false;
      const done = () => {
        if (!ended || pending > 0 || over) return;
        if (!document) return fail(400, 'no-document', 'no XML or JSON part in the multipart push');
        finish({ ok: true, document, ...(charset ? { charset } : {}), pictures, bytes: total });
      };
      boy.on(
        'file',
        (name: string, stream: BusboyFileStream, filename: string, _enc: string, partType: string) => {
          pending++;
          const label = filename || name || '';
          const isDocument =
            document === undefined &&
            (/\.(xml|json)$/i.test(label) || DOCUMENT_TYPES.test((partType ?? '').toLowerCase()));
          const chunks: Buffer[] = [];
          const hash = createHash('sha256');
          let size = 0;
          stream.on('data', (c: Buffer) => {
            size += c.length;
            if (isDocument) {
              if (size <= MAX_DOCUMENT_BYTES) chunks.push(c);
            } else {
              hash.update(c);
              if (o.keepPictures) chunks.push(c);
            }
          });
          stream.on('end', () => {
            pending--;
            if (isDocument) {
              if (size > MAX_DOCUMENT_BYTES)
                return fail(413, 'too-large', `the document part is larger than ${MAX_DOCUMENT_BYTES} bytes`);
              document = Buffer.concat(chunks);
            } else if (size > 0 && pictures.length < 8) {
              pictures.push({
                name: label.slice(0, 128),
                sha256: hash.digest('hex'),
                bytes: size,
                ...(o.keepPictures ? { data: Buffer.concat(chunks) } : {}),
              });
            }
            done();
          });
        },
      );
      boy.on('error', () => fail(400, 'bad-multipart', 'the multipart push is malformed'));
      // Busboy skips the parts past its limit but still parses them: a push of thousands is refused.
      const tooManyParts = () => {
        fail(413, 'too-many-parts', `the multipart push has more than ${MAX_PARTS} parts`);
        over = true;
      };
      boy.on('partsLimit', tooManyParts);
      boy.on('filesLimit', tooManyParts);
      boy.on('finish', () => {
        ended = true;
        done();
      });
      parse = (chunk) => boy.write(chunk);
      release = () => {
        pictures.length = 0;
        boy.removeAllListeners('file');
        boy.destroy();
      };
      end = () => boy.end();
      boy.on('drain', () => req.resume());
    } else if (mime === '' || DOCUMENT_TYPES.test(mime)) {
      let chunks: Buffer[] = [];
      release = () => {
        chunks = [];
      };
      parse = (chunk) => {
        chunks.push(chunk);
        return true;
      };
      end = () => {
        if (over) return;
        document = Buffer.concat(chunks);
        if (document.length === 0) return fail(400, 'no-document', 'the push has an empty body');
        finish({ ok: true, document, ...(charset ? { charset } : {}), pictures, bytes: total });
      };
    } else {
      req.resume();
      return fail(415, 'unsupported-type', 'a push is XML, JSON or multipart/form-data');
    }

    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (!over && total > cap) over = true;
      if (over || settled) {
        if (parse) {
          parse = undefined;
          release();
        }
        // Nothing more is kept or parsed; drain a while so the camera reads its 413.
        if (total > cap * DRAIN_FACTOR) cutOff();
        return;
      }
      try {
        if (parse && !parse(chunk)) req.pause();
      } catch {
        over = false;
        fail(400, 'bad-multipart', 'the multipart push is malformed');
      }
    });
    req.on('end', () => {
      if (over) return tooLarge();
      try {
        end();
      } catch {
        fail(400, 'bad-multipart', 'the multipart push is malformed');
      }
    });
  });
}
