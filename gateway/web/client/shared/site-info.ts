import { z } from 'zod';

/**
 * Anonymous access for the page that asked: `allowed` (a browser on the gateway box, at
 * localhost), `remote-device` (another machine: the broker takes anonymous clients from this box
 * only), `not-localhost` (this box, but the page was opened by a network address: the broker
 * takes anonymous pages served at localhost only), `off` (`broker.allowAnonymousLoopback: false`).
 */
export const AnonymousAccessSchema = z.enum(['allowed', 'remote-device', 'not-localhost', 'off']);
export type AnonymousAccess = z.infer<typeof AnonymousAccessSchema>;

/**
 * What the pages learn about the site from `/config.json`: the site, its lanes and yard zones,
 * where the broker's WebSocket listener is, and how staff sign in. Shared by the server (which
 * builds it from the site config) and the pages (which validate it). Holds no secret.
 */
export const SiteInfoSchema = z
  .object({
    site: z.object({ id: z.string(), name: z.string() }).strict(),
    lanes: z.array(
      z
        .object({
          id: z.string(),
          name: z.string(),
          checkpoint: z.string(),
          kind: z.enum(['entry', 'yard-exit']),
        })
        .strict(),
    ),
    zones: z.array(
      z
        .object({
          id: z.string(),
          name: z.string(),
          kind: z.enum(['work', 'living', 'parking', 'isolation', 'handover']),
          bays: z.array(z.string()),
        })
        .strict(),
    ),
    mqtt: z
      .object({
        url: z.string().optional().describe('A ws:// or wss:// broker URL; else this host at `port`'),
        port: z.number().int().optional(),
        tlsPort: z.number().int().optional().describe('wss:// port, used when the page came over https'),
        path: z.string(),
      })
      .strict(),
    auth: z
      .object({
        signIn: z.boolean().describe('Staff sign in with their staff ID and PIN'),
        anonymousLoopback: z
          .boolean()
          .describe('The broker lets pages on this box connect without credentials (demo)'),
        anonymous: AnonymousAccessSchema.describe(
          'Whether this page, where it was opened, may connect without credentials, and if not why',
        ),
      })
      .strict(),
    feverC: z.number(),
    idleLockMinutes: z.number().positive(),
    printers: z
      .array(
        z
          .object({ id: z.string(), lanes: z.array(z.string()), yard: z.boolean() })
          .strict()
          .describe("A card printer and what it serves (the config's `printers`)"),
      )
      .default([])
      .describe('The card printers: a kiosk shows those of its lane, the yard those serving it'),
  })
  .strict();
export type SiteInfo = z.infer<typeof SiteInfoSchema>;

/** The sign-in request of the pages (POST /api/sign-in). */
export const SignInRequestSchema = z
  .object({
    staffId: z.string().min(1).max(64),
    pin: z.string().min(1).max(64),
    page: z.enum(['kiosk', 'yard']),
    lane: z.string().max(32).optional(),
  })
  .strict();
export type SignInRequest = z.infer<typeof SignInRequestSchema>;

/** A session's MQTT credentials: username = staff ID, password = token. */
export const SessionSchema = z
  .object({
    username: z.string(),
    token: z.string(),
    expiresAt: z.number().describe('Epoch ms; refresh before'),
    role: z.string(),
    lane: z.string().optional(),
  })
  .strict();
export type Session = z.infer<typeof SessionSchema>;

export const RefreshRequestSchema = z.object({ token: z.string().min(1).max(2048) }).strict();

/** Every error reply of the API. */
export const ApiErrorSchema = z
  .object({
    error: z.enum(['refused', 'locked', 'busy', 'forbidden', 'unavailable', 'bad-request']),
    message: z.string(),
    retryAfterSeconds: z.number().optional(),
  })
  .strict();
export type ApiError = z.infer<typeof ApiErrorSchema>;
