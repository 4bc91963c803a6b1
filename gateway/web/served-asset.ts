import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gunzip, gzipSync } from 'node:zlib';
import { readFileCapped } from '../../core/read-file-capped.ts';

/**
 * One file under `/assets/` as the web server holds it, and its answer to a request.
 *
 * A page's script or stylesheet is kept gzipped only (about a quarter of its size), with its
 * ETag and its size as built: every browser asks for gzip, and the rare client that does not
 * gets it decompressed for that answer. A release's source maps (3 MB, of use only to a
 * developer with DevTools open) are not kept at all: each request reads its file from dist/web/
 * within a byte budget, answers, and lets it go.
 */
export type ServedAsset = GzippedAsset | OnDiskAsset;

export interface GzippedAsset {
  kind: 'gzipped';
  contentType: string;
  etag: string;
  gzip: Buffer;
  /** Bytes of the file as built (the answer's length to a client that does not take gzip). */
  size: number;
}

export interface OnDiskAsset {
  kind: 'on-disk';
  contentType: string;
  /** Absolute path of the file in dist/web/. */
  file: string;
}

/** A source map bigger than this is refused (the largest, the shared chunk's, is ~2.6 MB). */
export const MAX_ON_DISK_ASSET_BYTES = 16 * 1024 * 1024;

const gunzipAsync = promisify(gunzip);

export function etagOf(body: Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
}

/** The asset kept as gzip only; `body` itself is not referenced afterwards. */
export function gzippedAsset(body: Uint8Array, contentType: string): GzippedAsset {
  return {
    kind: 'gzipped',
    contentType,
    etag: etagOf(body),
    gzip: gzipSync(body, { level: 9 }),
    size: body.length,
  };
}

export async function sendAsset(
  req: IncomingMessage,
  res: ServerResponse,
  asset: ServedAsset,
): Promise<void> {
  if (asset.kind === 'on-disk') return sendOnDisk(req, res, asset);
  const headers = assetHeaders(asset.contentType, asset.etag);
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers).end();
    return;
  }
  const gzip = acceptsGzip(req);
  if (gzip) headers['content-encoding'] = 'gzip';
  headers['content-length'] = gzip ? asset.gzip.length : asset.size;
  if (req.method === 'HEAD') {
    res.writeHead(200, headers).end();
    return;
  }
  const body = gzip ? asset.gzip : await gunzipAsync(asset.gzip);
  res.writeHead(200, headers).end(body);
}

async function sendOnDisk(req: IncomingMessage, res: ServerResponse, asset: OnDiskAsset): Promise<void> {
  let body: Buffer;
  try {
    body = readFileCapped(asset.file, MAX_ON_DISK_ASSET_BYTES);
  } catch (e) {
    // A release whose maps were deleted to save disk: the pages work without them.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    throw e;
  }
  const etag = etagOf(body);
  const headers = assetHeaders(asset.contentType, etag);
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  // Sent as it is: compressing 2.6 MB would hold the event loop for a developer's convenience.
  headers['content-length'] = body.length;
  res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
}

function assetHeaders(contentType: string, etag: string): Record<string, string | number> {
  return {
    'content-type': contentType,
    etag,
    // Named by content hash: a new build has new names.
    'cache-control': 'public, max-age=31536000, immutable',
    vary: 'accept-encoding',
  };
}

function acceptsGzip(req: IncomingMessage): boolean {
  return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
}
