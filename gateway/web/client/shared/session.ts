import type { Credentials } from './connection.ts';
import { t } from './i18n.ts';
import { ApiErrorSchema, type Session, SessionSchema, type SiteInfo } from './site-info.ts';

/**
 * Who is signed in at this screen. With staff sign-in (a users file at the broker) a person gives
 * their staff ID and PIN, the page gets a short-lived MQTT token and trades it for a fresh one
 * before it runs out. After `idleLockMinutes` without a touch the session goes idle: the page
 * locks its actions (shared/idle-lock.ts) but stays signed in, connected and live; the person's
 * PIN (`unlock`) makes it active again. Without sign-in (the demo: anonymous MQTT from this box)
 * the person gives their staff ID only, which every request still carries, and gives it again to
 * unlock. The token lives in memory only: a reload asks again.
 */
export interface SignedIn {
  staffId: string;
  role: string;
  lane?: string;
  anonymous: boolean;
  token?: string;
  expiresAt?: number;
}

export type SignInOutcome = { ok: true } | { ok: false; message: string };

export class SessionManager {
  private session: SignedIn | undefined;
  private readonly listeners = new Set<(s: SignedIn | undefined, why?: string) => void>();
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private lastActivity = Date.now();
  private idle = false;
  private readonly idleListeners = new Set<() => void>();

  constructor(
    private readonly info: SiteInfo,
    private readonly page: 'kiosk' | 'yard',
    private readonly lane?: string,
  ) {
    const touch = () => {
      this.lastActivity = Date.now();
    };
    document.addEventListener('pointerdown', touch, { capture: true, passive: true });
    document.addEventListener('keydown', touch, { capture: true, passive: true });
    setInterval(() => {
      if (this.session && !this.idle && Date.now() - this.lastActivity > info.idleLockMinutes * 60_000) {
        this.idle = true;
        for (const l of this.idleListeners) l();
      }
    }, 15_000);
  }

  /** Called when the session goes idle (no touch for `idleLockMinutes`); it stays signed in. */
  onIdle(listener: () => void): void {
    this.idleListeners.add(listener);
  }

  get isIdle(): boolean {
    return this.idle;
  }

  /**
   * Makes an idle session active again: the signed-in person's PIN checked by the gateway (a
   * fresh token comes with it), or, without PINs, their staff ID typed again.
   */
  async unlock(secret: string): Promise<SignInOutcome> {
    const s = this.session;
    if (!s) return { ok: false, message: t('signin.expired') };
    if (s.anonymous || !this.withPin) {
      if (secret.trim() !== s.staffId) return { ok: false, message: t('lock.wrongId') };
    } else {
      const body = {
        staffId: s.staffId,
        pin: secret,
        page: this.page,
        ...(this.lane ? { lane: this.lane } : {}),
      };
      const r = await post('/api/sign-in', body);
      // The staff ID is the signed-in one: a refusal means the PIN.
      if (!r.ok) return r.message === t('signin.refused') ? { ok: false, message: t('lock.wrongPin') } : r;
      // A token refresh of the same person may have landed meanwhile: the PIN still holds. Signed
      // out, or another person signed in, meanwhile: it does not.
      if (this.session?.staffId !== s.staffId) return { ok: false, message: t('signin.expired') };
      this.set(r.session, false, r.serverNow);
    }
    this.idle = false;
    this.lastActivity = Date.now();
    return { ok: true };
  }

  get current(): SignedIn | undefined {
    return this.session;
  }

  /** Whether staff sign in with a PIN (else: staff ID only, demo). */
  get withPin(): boolean {
    return this.info.auth.signIn;
  }

  onChange(listener: (s: SignedIn | undefined, why?: string) => void): void {
    this.listeners.add(listener);
  }

  async signIn(staffId: string, pin: string): Promise<SignInOutcome> {
    if (!this.withPin) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/.test(staffId))
        return { ok: false, message: t('signin.badId') };
      this.set({ staffId, role: this.page === 'kiosk' ? 'kiosk' : 'coordinator', anonymous: true });
      return { ok: true };
    }
    const body = { staffId, pin, page: this.page, ...(this.lane ? { lane: this.lane } : {}) };
    const r = await post('/api/sign-in', body);
    if (!r.ok) return r;
    this.set(r.session, true, r.serverNow);
    return { ok: true };
  }

  signOut(why?: string): void {
    clearTimeout(this.refreshTimer);
    this.session = undefined;
    this.idle = false;
    for (const l of this.listeners) l(undefined, why);
  }

  /** Trades the token for a fresh one; false (and signed out) when the session is over. */
  async refresh(): Promise<boolean> {
    const s = this.session;
    if (!s) return false;
    if (s.anonymous || !s.token) return true;
    const r = await post('/api/refresh', { token: s.token });
    if (this.session !== s) return false;
    if (!r.ok) {
      this.signOut(t('signin.expired'));
      return false;
    }
    this.set(r.session, false, r.serverNow);
    return true;
  }

  credentials(): Credentials {
    const s = this.session;
    if (!s || s.anonymous || !s.token) return {};
    return { username: s.staffId, password: s.token };
  }

  /**
   * `serverNow`: the gateway's time when it answered (its HTTP `Date`). The token's time left is
   * counted on the gateway's clock: a screen whose own clock is ahead by more than a token's
   * lifetime would otherwise refresh every 5 s, each refresh replacing the session.
   */
  private set(s: Session | SignedIn, announce = true, serverNow?: number): void {
    const next: SignedIn =
      'token' in s && 'username' in s
        ? {
            staffId: s.username,
            role: s.role,
            anonymous: false,
            token: s.token,
            expiresAt: s.expiresAt,
            ...(s.lane ? { lane: s.lane } : {}),
          }
        : (s as SignedIn);
    this.session = next;
    this.lastActivity = Date.now();
    clearTimeout(this.refreshTimer);
    if (next.expiresAt) {
      const left = next.expiresAt - (serverNow ?? Date.now());
      const wait = Math.max(5_000, Math.min(left - 120_000, left / 2));
      this.refreshTimer = setTimeout(() => void this.refresh(), wait);
    }
    if (announce) for (const l of this.listeners) l(next);
  }
}

type PostResult = { ok: true; session: Session; serverNow?: number } | { ok: false; message: string };

async function post(path: string, body: unknown): Promise<PostResult> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    return { ok: false, message: t('signin.noServer') };
  }
  const json: unknown = await res.json().catch(() => undefined);
  if (res.ok) {
    const s = SessionSchema.safeParse(json);
    if (!s.success) return { ok: false, message: t('signin.noServer') };
    const date = Date.parse(res.headers.get('date') ?? '');
    return { ok: true, session: s.data, ...(Number.isFinite(date) ? { serverNow: date } : {}) };
  }
  const e = ApiErrorSchema.safeParse(json);
  if (!e.success) return { ok: false, message: t('signin.noServer') };
  switch (e.data.error) {
    case 'refused':
      return { ok: false, message: t('signin.refused') };
    case 'locked':
      return {
        ok: false,
        message: t('signin.locked', { min: Math.ceil((e.data.retryAfterSeconds ?? 900) / 60) }),
      };
    case 'busy':
      return { ok: false, message: t('signin.busy') };
    case 'forbidden':
      return { ok: false, message: t('signin.forbidden', { why: e.data.message }) };
    default:
      return { ok: false, message: t('signin.unavailable') };
  }
}
