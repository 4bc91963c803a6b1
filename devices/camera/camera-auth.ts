import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { PushCameraConfig } from './config.ts';

export type AuthResult =
  | { ok: true }
  | { ok: false; kind: 'wrong-secret' | 'source-not-allowed'; message: string };

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The address a push came from, IPv4-mapped IPv6 written as IPv4. */
export function sourceAddress(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

/**
 * A camera's push is let in when it comes from an allowed address (if the camera has an allow
 * list) and carries its secret (if it has one), in the `X-Camera-Secret` header or the push
 * URL's `secret` parameter (Hikvision's alarm server settings take a URL, not headers). The
 * secrets are compared in constant time.
 */
export function authorise(camera: PushCameraConfig, req: IncomingMessage, url: URL): AuthResult {
  if (camera.allow && camera.allow.length > 0) {
    const from = sourceAddress(req);
    if (!camera.allow.includes(from))
      return {
        ok: false,
        kind: 'source-not-allowed',
        message: `push from ${from}, not on the camera's allow list`,
      };
  }
  if (camera.secret !== undefined) {
    const header = req.headers['x-camera-secret'];
    const given = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('secret') ?? '';
    if (!timingSafeEqual(digest(given), digest(camera.secret)))
      return {
        ok: false,
        kind: 'wrong-secret',
        message: given === '' ? 'push without the secret' : 'push with a wrong secret',
      };
  }
  return { ok: true };
}
