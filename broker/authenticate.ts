import { randomBytes } from 'node:crypto';
import type { AedesOptions, AuthenticateError, Client, ConnectPacket } from 'aedes';
import { type AclTable, GATEWAY_ROLE, LOOPBACK_ROLE } from './acl-table.ts';
import { type CompiledAcl, clientIdAllowed, compileAcl, type Identity, mayPublish } from './authorizer.ts';
import type { SecurityCounters } from './counters.ts';
import { type ConnectionInfo, GuardedConnection } from './guarded-connection.ts';
import { MAX_CLIENT_ID_LENGTH } from './limits.ts';
import { type HashCheckQueue, safeEqual, verifyNothing, verifySecret } from './password-hash.ts';
import type { TokenIssuer } from './staff-sign-in.ts';
import { looksLikeToken } from './tokens.ts';
import type { UserStore } from './users-file.ts';

/**
 * Who may connect, decided on CONNECT, cheap checks first: MQTT 3.1.1 rules Aedes lets through,
 * the client id, then the credentials (in-process gateway secret, signed token, users-file
 * password, or nothing from this box), then what the role allows of the session and the will.
 */
export interface AuthenticatorOptions {
  site: string | undefined;
  table: AclTable;
  users: UserStore | undefined;
  issuer: TokenIssuer;
  allowAnonymousLoopback: boolean;
  hashChecks: HashCheckQueue;
  counters: SecurityCounters;
  /** Called for each client let in, before its CONNACK. */
  onIdentified: (client: Client, identity: Identity, acl: CompiledAcl) => void;
  /** The gateway process's password here (default: random, this broker's life only). */
  gatewayPassword?: string;
  /**
   * The broker runs inside the gateway process (the embedded broker), whose client connects as
   * this user (INTERNAL_GATEWAY_USER with the in-process secret, or the configured
   * `broker.username`): the gateway's own client id is then that user's alone, refused even to
   * other users of the `gateway` role.
   */
  gatewayUser?: string;
  /**
   * Last word before a client is let in (connection slots): a reason to refuse it with CONNACK 3
   * (server unavailable), or undefined.
   */
  mayAdmit?: (client: Client, identity: Identity) => string | undefined;
}

/** The user name the gateway process uses on its own embedded broker; no users-file name can look like it. */
export const INTERNAL_GATEWAY_USER = '_gateway';

/** CONNACK return codes of MQTT 3.1.1. */
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

/** Failed password checks from one address within the window before it is turned away unchecked. */
const MAX_ADDRESS_FAILURES = 10;
const FAILURE_WINDOW_MS = 60_000;

interface ConnectFacts {
  clientId: string;
  clean: boolean;
  will: ConnectPacket['will'];
}

type Outcome = { ok: true; identity: Identity } | { ok: false; code: number; reason: string };

export class Authenticator {
  /** Credentials for the gateway process on this broker; they exist only in this process's memory. */
  readonly gatewayCredentials: { username: string; password: string };
  private readonly facts = new WeakMap<Client, ConnectFacts>();
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(private readonly o: AuthenticatorOptions) {
    this.gatewayCredentials = {
      username: INTERNAL_GATEWAY_USER,
      password: o.gatewayPassword ?? randomBytes(32).toString('base64url'),
    };
  }

  readonly preConnect: NonNullable<AedesOptions['preConnect']> = (client, packet, callback) => {
    // [MQTT-3.1.2-22]: a password without a user name is a protocol violation: close, no CONNACK.
    if (packet.protocolVersion === 4 && packet.password !== undefined && packet.username === undefined) {
      this.refuse(client, 'password flag without user name flag', packet.username);
      callback(new Error('password without user name'), false);
      return;
    }
    this.facts.set(client, { clientId: packet.clientId, clean: packet.clean !== false, will: packet.will });
    callback(null, true);
  };

  readonly authenticate: NonNullable<AedesOptions['authenticate']> = (client, username, password, done) => {
    this.decide(client, username, password).then(
      (outcome) => {
        if (outcome.ok) return done(null, true);
        this.refuse(client, outcome.reason, username);
        const err = Object.assign(new Error(outcome.reason), { returnCode: outcome.code });
        done(err as AuthenticateError, false);
      },
      (e: unknown) => {
        this.refuse(client, `authentication failed: ${String(e)}`, username);
        const err = Object.assign(new Error('server unavailable'), { returnCode: SERVER_UNAVAILABLE });
        done(err as AuthenticateError, false);
      },
    );
  };

  private async decide(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
  ): Promise<Outcome> {
    const facts = this.facts.get(client);
    this.facts.delete(client);
    if (!facts) return { ok: false, code: NOT_AUTHORIZED, reason: 'connect facts missing' };
    // [MQTT-3.1.3-8]: a zero-byte client id needs clean session; Aedes would invent an id instead.
    if (facts.clientId === '' && !facts.clean) {
      return { ok: false, code: IDENTIFIER_REJECTED, reason: 'empty client id with clean session off' };
    }
    // [MQTT-1.5.3-2]: no U+0000 in a UTF-8 string; an id holding one could not be told apart in logs.
    if (facts.clientId.includes('\u0000')) {
      return { ok: false, code: IDENTIFIER_REJECTED, reason: 'client id holds U+0000' };
    }
    if (username?.includes('\u0000')) {
      return { ok: false, code: BAD_CREDENTIALS, reason: 'user name holds U+0000' };
    }
    // Characters (code points), not UTF-16 units: 128 emoji are 128, not 256. The packet guard
    // has already refused malformed UTF-8, so every code point here is a real one.
    if (codePoints(facts.clientId) > MAX_CLIENT_ID_LENGTH) {
      return {
        ok: false,
        code: IDENTIFIER_REJECTED,
        reason: `client id longer than ${MAX_CLIENT_ID_LENGTH} characters`,
      };
    }
    const info = client.conn instanceof GuardedConnection ? client.conn.info : undefined;
    const who = await this.credentials(info, username, password);
    if (!who.ok) return who;
    const { identity } = who;
    const acl = compileAcl(this.o.table, identity.role, {
      site: this.o.site,
      username: identity.username,
      lane: identity.lane,
    });
    if (!acl) return { ok: false, code: NOT_AUTHORIZED, reason: `unknown role ${identity.role}` };
    // The gateway's own id is the gateway's alone, whatever a role's patterns allow (anonymous
    // loopback clients may take any other): taking it over would cut the gateway off the broker.
    // With the gateway in this process, it is the user that gateway connects as alone: another
    // user of the gateway role (e.g. a cluster's remote gateway account) must not take its
    // session over (each takeover cut the gateway off and made it publish its state again).
    if (isGatewayClientId(facts.clientId, this.o.site)) {
      const owner =
        identity.role === GATEWAY_ROLE &&
        (this.o.gatewayUser === undefined || identity.username === this.o.gatewayUser);
      if (!owner) {
        const whose =
          this.o.gatewayUser === undefined
            ? "the gateway's own client id"
            : "the embedded gateway's own client id";
        return { ok: false, code: IDENTIFIER_REJECTED, reason: whose };
      }
    }
    // An id the broker assigned (empty client id) is unique, so it cannot take anyone's session.
    if (facts.clientId !== '' && !clientIdAllowed(acl, facts.clientId)) {
      return {
        ok: false,
        code: IDENTIFIER_REJECTED,
        reason: `client id not allowed for this user (role ${acl.role})`,
      };
    }
    if (!facts.clean && !acl.rules.persistentSession) {
      return { ok: false, code: NOT_AUTHORIZED, reason: `role ${acl.role} must connect with clean session` };
    }
    if (facts.will) {
      const v = mayPublish(
        acl,
        identity.username,
        facts.will.topic,
        facts.will.payload,
        facts.will.retain === true,
      );
      if (!v.ok) return { ok: false, code: NOT_AUTHORIZED, reason: `will refused: ${v.reason}` };
    }
    const full = this.o.mayAdmit?.(client, identity);
    if (full !== undefined) return { ok: false, code: SERVER_UNAVAILABLE, reason: full };
    this.o.onIdentified(client, identity, acl);
    return who;
  }

  private async credentials(
    info: ConnectionInfo | undefined,
    username: string | undefined,
    password: Buffer | undefined,
  ): Promise<Outcome> {
    const local = info !== undefined && isLoopback(info.remoteAddress);
    if (username === undefined) {
      if (this.o.allowAnonymousLoopback && local && localOrigin(info)) {
        return { ok: true, identity: { username: undefined, role: LOOPBACK_ROLE, via: 'anonymous' } };
      }
      return { ok: false, code: NOT_AUTHORIZED, reason: 'anonymous clients are refused here' };
    }
    if (password === undefined) return { ok: false, code: BAD_CREDENTIALS, reason: 'no password' };
    const secret = password.toString('utf8');
    if (username === INTERNAL_GATEWAY_USER) {
      if (local && safeEqual(secret, this.gatewayCredentials.password)) {
        return { ok: true, identity: { username, role: GATEWAY_ROLE, via: 'internal' } };
      }
      return { ok: false, code: BAD_CREDENTIALS, reason: 'wrong internal gateway credentials' };
    }
    if (looksLikeToken(secret)) {
      const check = this.o.issuer.check(username, secret);
      if (!check.ok) return { ok: false, code: BAD_CREDENTIALS, reason: check.reason };
      const { role, lane } = check.claims;
      return { ok: true, identity: { username, role, ...(lane ? { lane } : {}), via: 'token' } };
    }
    return this.password(info?.remoteAddress ?? '', username, secret);
  }

  private async password(address: string, username: string, secret: string): Promise<Outcome> {
    if (!this.o.users)
      return { ok: false, code: BAD_CREDENTIALS, reason: 'no users file: passwords are off' };
    const now = Date.now();
    const f = this.failures.get(address);
    if (f && now - f.since < FAILURE_WINDOW_MS && f.count >= MAX_ADDRESS_FAILURES) {
      return { ok: false, code: BAD_CREDENTIALS, reason: 'too many failed logins from this address' };
    }
    const user = this.o.users.get(username);
    const good = await this.o.hashChecks.run(() =>
      user?.secret === 'password' ? verifySecret(secret, user.hash) : verifyNothing(secret),
    );
    if (good === undefined) return { ok: false, code: SERVER_UNAVAILABLE, reason: 'too many logins at once' };
    if (!good || !user) {
      this.fail(address, now);
      const reason =
        user?.secret === 'pin'
          ? 'a PIN is not an MQTT password (sign in on the web page)'
          : 'wrong user name or password';
      return { ok: false, code: BAD_CREDENTIALS, reason };
    }
    return {
      ok: true,
      identity: { username, role: user.role, ...(user.lane ? { lane: user.lane } : {}), via: 'password' },
    };
  }

  private fail(address: string, now: number): void {
    if (this.failures.size > 10_000) {
      for (const [k, v] of this.failures) if (now - v.since >= FAILURE_WINDOW_MS) this.failures.delete(k);
    }
    const f = this.failures.get(address);
    if (!f || now - f.since >= FAILURE_WINDOW_MS) this.failures.set(address, { count: 1, since: now });
    else f.count++;
  }

  private refuse(client: Client, reason: string, username: string | undefined): void {
    const info = client.conn instanceof GuardedConnection ? client.conn.info : undefined;
    this.o.counters.refuse(
      'connect',
      { clientId: client.id, user: username, from: info?.remoteAddress, transport: info?.transport, reason },
      'connection refused',
    );
  }
}

/** Code points in a string, counted without building an array of them. */
function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function isLoopback(address: string): boolean {
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/**
 * A browser on this box may be showing any web site, and any web site may open a WebSocket to
 * 127.0.0.1: anonymous WebSocket clients are only taken from pages served by this box itself.
 */
function localOrigin(info: ConnectionInfo): boolean {
  if (info.transport === 'tcp' || info.transport === 'tls' || info.origin === undefined) return true;
  try {
    return isLoopbackHost(new URL(info.origin).hostname);
  } catch {
    return false;
  }
}

/** A host name that names this box only: `localhost`, 127.x.x.x, ::1 (the web server asks too). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || isLoopback(hostname);
}

/**
 * The gateway's own client id, `gatepost-<site>-gateway`. A broker serving no one site (a test
 * rig's) reserves none: its gateway may connect anonymously.
 */
function isGatewayClientId(clientId: string, site: string | undefined): boolean {
  return site !== undefined && clientId === `gatepost-${site}-gateway`;
}
