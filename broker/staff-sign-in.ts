import { type AclTable, GATEWAY_ROLE } from './acl-table.ts';
import { HashCheckQueue, verifyNothing, verifySecret } from './password-hash.ts';
import { mintToken, type TokenCheck, type TokenClaims, type TokenKeyring, verifyToken } from './tokens.ts';
import { USER_NAME, type UserStore } from './users-file.ts';

/**
 * Issues and checks the web pages' MQTT tokens. The web server calls `signIn(staffId, pin)` when a
 * person signs in at a kiosk or the yard map and hands the token to the page; the page connects
 * with username = staffId and password = token, and calls `refresh` before the token expires.
 * The broker calls `check` on every CONNECT that carries a token.
 *
 * A token is only good while its user's record is unchanged: removing the user, changing the
 * PIN, the role or the lane ends every token signed before (the broker also closes the user's
 * live connections when it reloads the users file).
 */
export interface TokenIssuerOptions {
  keyring: TokenKeyring;
  /** The staff and their PINs; without it `signIn` refuses and `check` trusts the claims alone. */
  users: UserStore | undefined;
  table: AclTable;
  ttlSeconds: number;
  /** A person signs in again with their PIN after this long, however often the token was refreshed. */
  maxSessionSeconds: number;
  /** Wall-clock time, epoch ms. */
  now?: () => number;
  hashChecks?: HashCheckQueue;
}

export type IssueResult =
  | { ok: true; username: string; token: string; expiresAt: number; role: string; lane?: string }
  | { ok: false; status: 'refused' | 'locked' | 'busy'; reason: string; retryAfterSeconds?: number };

/** Wrong PINs allowed per staff id within LOCK_WINDOW_MS before sign-in is locked for that long. */
const MAX_FAILURES = 5;
const LOCK_WINDOW_MS = 15 * 60_000;
const MAX_TRACKED = 10_000;

export class TokenIssuer {
  private readonly failures = new Map<string, { count: number; since: number; lockedUntil: number }>();
  private readonly now: () => number;
  private readonly hashChecks: HashCheckQueue;
  private keyring: TokenKeyring;

  constructor(private readonly o: TokenIssuerOptions) {
    this.now = o.now ?? Date.now;
    this.hashChecks = o.hashChecks ?? new HashCheckQueue();
    this.keyring = o.keyring;
  }

  /** Signs with the first secret of `keyring` from now on and accepts only its secrets. */
  useKeyring(keyring: TokenKeyring): void {
    this.keyring = keyring;
  }

  async signIn(staffId: string, pin: string): Promise<IssueResult> {
    const refused = { ok: false, status: 'refused', reason: 'unknown staff id or wrong PIN' } as const;
    if (!USER_NAME.test(staffId) || pin.length > 64) return refused;
    if (!this.o.users) return { ok: false, status: 'refused', reason: 'staff sign-in needs a users file' };
    const now = this.now();
    const lock = this.failures.get(staffId);
    if (lock && lock.lockedUntil > now) {
      const retryAfterSeconds = Math.ceil((lock.lockedUntil - now) / 1000);
      return {
        ok: false,
        status: 'locked',
        reason: 'too many wrong PINs; wait and try again',
        retryAfterSeconds,
      };
    }
    const user = this.o.users.get(staffId);
    const good = await this.hashChecks.run(() =>
      user?.secret === 'pin' ? verifySecret(pin, user.hash) : verifyNothing(pin),
    );
    if (good === undefined)
      return { ok: false, status: 'busy', reason: 'too many sign-ins at once; try again' };
    if (!good || !user || !this.tokenRole(user.role)) {
      this.fail(staffId, now);
      return refused;
    }
    this.failures.delete(staffId);
    const at = Math.floor(now / 1000);
    return this.issue({ sub: user.name, role: user.role, lane: user.lane, iat: at, exp: 0, auth: at });
  }

  /** A fresh token with the same claims, while the session is young enough and the user unchanged. */
  refresh(token: string): IssueResult {
    const check = this.check(undefined, token);
    if (!check.ok) return { ok: false, status: 'refused', reason: check.reason };
    return this.issue({ ...check.claims, iat: Math.floor(this.now() / 1000) });
  }

  /**
   * Mints a token for a person the caller has already authenticated some other way (e.g. a web
   * server with its own staff directory). Prefer `signIn`.
   */
  mint(claims: { sub: string; role: string; lane?: string }): IssueResult {
    const at = Math.floor(this.now() / 1000);
    return this.issue({ ...claims, iat: at, exp: 0, auth: at });
  }

  /** The broker's check of a CONNECT: the token's MAC and times, its name, and its user's record. */
  check(username: string | undefined, token: string): TokenCheck {
    const now = this.now();
    const v = verifyToken(this.keyring, token, now);
    if (!v.ok) return v;
    const c = v.claims;
    if (username !== undefined && c.sub !== username)
      return { ok: false, reason: 'token is for another user' };
    const why = this.claimsProblem(c, now);
    return why ? { ok: false, reason: why } : v;
  }

  private claimsProblem(c: TokenClaims, now: number): string | undefined {
    const role = this.tokenRole(c.role);
    if (!role) return `tokens cannot carry role ${c.role}`;
    if (role.needsLane !== (c.lane !== undefined)) return `token lane does not fit role ${c.role}`;
    if (c.auth + this.o.maxSessionSeconds <= Math.floor(now / 1000)) return 'session too old; sign in again';
    if (this.o.users) {
      const user = this.o.users.get(c.sub);
      if (!user) return 'token user no longer exists';
      if (user.role !== c.role || user.lane !== c.lane)
        return 'token role or lane no longer matches the user';
      if (c.auth < Math.floor(user.changedAt / 1000)) return "token older than the user's last change";
    }
    return undefined;
  }

  private tokenRole(name: string) {
    const role = this.o.table[name];
    return role?.assignable && name !== GATEWAY_ROLE ? role : undefined;
  }

  private issue(c: Omit<TokenClaims, 'exp'> & { exp: number }): IssueResult {
    const claims: TokenClaims = { ...c, exp: c.iat + this.o.ttlSeconds };
    if (claims.lane === undefined) delete claims.lane;
    const why = this.claimsProblem(claims, this.now());
    if (why) return { ok: false, status: 'refused', reason: why };
    const token = mintToken(this.keyring, claims);
    return {
      ok: true,
      username: claims.sub,
      token,
      expiresAt: claims.exp * 1000,
      role: claims.role,
      ...(claims.lane ? { lane: claims.lane } : {}),
    };
  }

  private fail(staffId: string, now: number): void {
    if (this.failures.size >= MAX_TRACKED) {
      for (const [k, v] of this.failures)
        if (v.lockedUntil <= now && now - v.since > LOCK_WINDOW_MS) this.failures.delete(k);
    }
    let f = this.failures.get(staffId);
    if (!f || now - f.since > LOCK_WINDOW_MS) f = { count: 0, since: now, lockedUntil: 0 };
    f.count++;
    if (f.count >= MAX_FAILURES) f.lockedUntil = now + LOCK_WINDOW_MS;
    this.failures.set(staffId, f);
  }
}
