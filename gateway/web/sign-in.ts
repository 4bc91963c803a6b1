import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { IssueResult } from '../../broker/staff-sign-in.ts';
import { parseBoundedJson } from '../../core/bounded-json.ts';
import type { Logger } from '../../core/logger.ts';
import {
  type ApiError,
  RefreshRequestSchema,
  type Session,
  type SignInRequest,
  SignInRequestSchema,
} from './client/shared/site-info.ts';

/**
 * Staff sign-in for the pages. A person gives their staff ID and PIN; the broker's token issuer
 * (broker/staff-sign-in.ts) checks them against the users file and mints a short-lived MQTT
 * token; the page connects to the broker with username = staff ID and password = token, and
 * trades the token for a fresh one before it expires (`/api/refresh`) until the session is too
 * old. The token's role must fit the page: a kiosk account of that lane at a kiosk, a
 * coordinator (or a viewer, read-only) at the yard map. PINs and tokens are never logged.
 */
/** What the sign-in needs of the broker: TokenIssuer of broker/staff-sign-in.ts fits. */
export interface StaffTokens {
  signIn(staffId: string, pin: string): Promise<IssueResult>;
  refresh(token: string): IssueResult | Promise<IssueResult>;
}

/** Roles that may use each page. */
export const PAGE_ROLES = { kiosk: ['kiosk'], yard: ['coordinator', 'viewer'] } as const;

const MAX_BODY_BYTES = 4096;
/** The requests are flat objects: deeper JSON is refused before it is parsed. */
const MAX_BODY_DEPTH = 8;
/** Sign-in attempts a minute from one address (a kiosk screen); the PIN lock per staff ID is the broker's. */
const SIGN_INS_PER_MINUTE = 20;

export interface SignInHandlers {
  signIn(req: IncomingMessage, res: ServerResponse): Promise<void>;
  refresh(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export function signInHandlers(tokens: StaffTokens | undefined, log: Logger): SignInHandlers {
  const limiter = new AddressLimiter(SIGN_INS_PER_MINUTE);
  return {
    async signIn(req, res) {
      if (!fromThisOrigin(req, res, log)) return;
      const address = req.socket.remoteAddress ?? '';
      const wait = limiter.take(address, Date.now());
      if (wait > 0) {
        log.warn({ from: address }, 'staff sign-in: too many attempts from one address');
        res.setHeader('retry-after', String(wait));
        return sendError(res, 429, {
          error: 'locked',
          message: 'too many sign-in attempts from this screen; wait and try again',
          retryAfterSeconds: wait,
        });
      }
      const body = await readJson(req, res, SignInRequestSchema);
      if (!body) return;
      if (!tokens) return unavailable(res);
      const result = await tokens.signIn(body.staffId, body.pin);
      if (!result.ok) {
        log.info({ staffId: body.staffId, page: body.page, status: result.status }, 'staff sign-in refused');
        return refusal(res, result);
      }
      const misfit = roleMisfit(body, result);
      if (misfit) {
        log.info({ staffId: body.staffId, page: body.page, role: result.role }, 'staff sign-in: wrong page');
        return sendError(res, 403, { error: 'forbidden', message: misfit });
      }
      log.info({ staffId: result.username, page: body.page, role: result.role }, 'staff signed in');
      sendJson(res, 200, session(result));
    },
    async refresh(req, res) {
      if (!fromThisOrigin(req, res, log)) return;
      const body = await readJson(req, res, RefreshRequestSchema);
      if (!body) return;
      if (!tokens) return unavailable(res);
      const result = await tokens.refresh(body.token);
      if (!result.ok) return refusal(res, result);
      sendJson(res, 200, session(result));
    },
  };
}

/**
 * Same origin only: a browser names the page a POST comes from (`Origin`, and `Sec-Fetch-Site`
 * in current browsers), and another site's page must not sign anyone in or trade a token here
 * (a PIN guessed from any web page a kiosk's browser opens, or a token refreshed for it). A
 * request with neither header is not from a browser's page (a script, a test) and is let through;
 * the per-address limit holds for it. Answers 403 itself and returns false when refused.
 */
export function fromThisOrigin(req: IncomingMessage, res: ServerResponse, log: Logger): boolean {
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  let same = site === undefined || site === 'same-origin' || site === 'none';
  if (origin !== undefined) {
    let host: string | undefined;
    try {
      host = origin === 'null' ? undefined : new URL(origin).host;
    } catch {
      host = undefined;
    }
    same = same && host !== undefined && host === req.headers.host;
  }
  if (same) return true;
  log.warn(
    { from: req.socket.remoteAddress, origin, site, host: req.headers.host },
    'staff sign-in: request from another origin refused',
  );
  req.resume();
  sendError(res, 403, { error: 'forbidden', message: "sign in from this server's own pages" });
  return false;
}

function roleMisfit(req: SignInRequest, s: { role: string; lane?: string }): string | undefined {
  const roles: readonly string[] = PAGE_ROLES[req.page];
  if (!roles.includes(s.role)) return `a ${s.role} account cannot use the ${req.page} page`;
  if (req.page === 'kiosk' && s.lane !== req.lane) return `this staff ID is for lane ${s.lane ?? '(none)'}`;
  return undefined;
}

function session(r: Extract<IssueResult, { ok: true }>): Session {
  return {
    username: r.username,
    token: r.token,
    expiresAt: r.expiresAt,
    role: r.role,
    ...(r.lane ? { lane: r.lane } : {}),
  };
}

function refusal(res: ServerResponse, r: Extract<IssueResult, { ok: false }>): void {
  const status = r.status === 'locked' ? 429 : r.status === 'busy' ? 503 : 401;
  if (r.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(r.retryAfterSeconds));
  sendError(res, status, {
    error: r.status,
    message: r.reason,
    ...(r.retryAfterSeconds !== undefined ? { retryAfterSeconds: r.retryAfterSeconds } : {}),
  });
}

function unavailable(res: ServerResponse): void {
  sendError(res, 503, {
    error: 'unavailable',
    message: 'staff sign-in needs the embedded broker with a users file (broker.usersFile)',
  });
}

/** Reads a small JSON body and checks it; answers 400/413/415 itself and resolves undefined. */
async function readJson<S extends z.ZodType>(
  req: IncomingMessage,
  res: ServerResponse,
  schema: S,
): Promise<z.infer<S> | undefined> {
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
    sendError(res, 415, { error: 'bad-request', message: 'send application/json' });
    return undefined;
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    sendError(res, 413, { error: 'bad-request', message: 'request too large' });
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        sendError(res, 413, { error: 'bad-request', message: 'request too large' });
        req.destroy();
        return undefined;
      }
      chunks.push(chunk);
    }
  } catch {
    return undefined;
  }
  const body = parseBoundedJson(Buffer.concat(chunks), {
    maxBytes: MAX_BODY_BYTES,
    maxDepth: MAX_BODY_DEPTH,
  });
  if (!body.ok) {
    sendError(res, 400, { error: 'bad-request', message: `the request ${body.error}` });
    return undefined;
  }
  const parsed = schema.safeParse(body.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    sendError(res, 400, {
      error: 'bad-request',
      message: `${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'}`,
    });
    return undefined;
  }
  return parsed.data;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, body: ApiError): void {
  sendJson(res, status, body);
}

/**
 * A token bucket per client address: `perMinute` attempts a minute, refilled evenly; the
 * number of addresses kept is bounded.
 */
export class AddressLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly maxAddresses = 10_000,
  ) {}

  /** Takes one attempt; 0 when allowed, else the seconds to wait. */
  take(address: string, now: number): number {
    const rate = this.perMinute / 60_000;
    let b = this.buckets.get(address);
    if (b) b.tokens = Math.min(this.perMinute, b.tokens + (now - b.at) * rate);
    else {
      if (this.buckets.size >= this.maxAddresses) {
        for (const [k, v] of this.buckets)
          if (v.tokens + (now - v.at) * rate >= this.perMinute) this.buckets.delete(k);
        if (this.buckets.size >= this.maxAddresses)
          this.buckets.delete(this.buckets.keys().next().value ?? '');
      }
      b = { tokens: this.perMinute, at: now };
      this.buckets.set(address, b);
    }
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / rate / 1000);
  }
}
