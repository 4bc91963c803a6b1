import type { IncomingMessage } from 'node:http';
import type { SiteInfo } from './client/shared/site-info.ts';

/**
 * The pages' Content-Security-Policy. Their only connection beyond their own origin is the
 * broker's WebSocket, which `connect-src` names exactly: an external broker's ws(s):// origin,
 * or this host (as the browser named it, the page's `location.hostname`) at the embedded
 * broker's ws:// and wss:// ports, as `client/shared/connection.ts` builds its URL. Never any
 * host (`ws:` / `wss:`), so a script injected into a page could not send what it reads anywhere.
 */
const POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
];

/** A Host header's host name, if it is a plain name or address (no path, quote or space). */
export function hostNameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader || hostHeader.length > 255) return undefined;
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/.exec(hostHeader);
  return m?.[1];
}

/** The `connect-src` sources of the broker's WebSocket for a page asked for as `hostHeader`. */
export function brokerSources(mqtt: SiteInfo['mqtt'], hostHeader: string | undefined): string[] {
  if (mqtt.url) {
    try {
      const u = new URL(mqtt.url);
      if (u.protocol === 'ws:' || u.protocol === 'wss:') return [`${u.protocol}//${u.host}`];
    } catch {
      // not a URL: no source for it
    }
    return [];
  }
  const host = hostNameOf(hostHeader);
  if (!host) return [];
  return [
    ...(mqtt.port !== undefined ? [`ws://${host}:${mqtt.port}`] : []),
    ...(mqtt.tlsPort !== undefined ? [`wss://${host}:${mqtt.tlsPort}`] : []),
  ];
}

/** The Content-Security-Policy header for this request. */
export function contentSecurityPolicy(mqtt: SiteInfo['mqtt'], req: IncomingMessage): string {
  const connect = ["'self'", ...brokerSources(mqtt, req.headers.host)].join(' ');
  return [POLICY[0], `connect-src ${connect}`, ...POLICY.slice(1)].join('; ');
}
