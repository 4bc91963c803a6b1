import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type IssueResult, TokenIssuer } from '../../broker/staff-sign-in.ts';
import { keyringFrom, loadKeyring, mintToken, type TokenClaims, verifyToken } from '../../broker/tokens.ts';
import { changeSecret, readUsersFile, UserStore, writeUsersFile } from '../../broker/users-file.ts';
import { ErrorCode } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';
import {
  brokerSuite,
  closed,
  connect,
  KIOSK_EAST_2_PIN,
  refusal,
  startBroker,
  type TestUser,
  VIEWER,
  waitFor,
  writeUsers,
} from '../support/broker-harness.ts';

const SECRET_A = 'a'.repeat(16) + 'secret-number-one-0123456789';
const SECRET_B = 'b'.repeat(16) + 'secret-number-two-0123456789';
const NOW = Date.UTC(2031, 4, 6, 8, 0, 0);
const claims = (over: Partial<TokenClaims> = {}): TokenClaims => ({
  sub: 'S1002',
  role: 'kiosk',
  lane: 'east-2',
  iat: NOW / 1000,
  exp: NOW / 1000 + 900,
  auth: NOW / 1000,
  ...over,
});

const USERS: TestUser[] = [
  KIOSK_EAST_2_PIN,
  { name: 'C2001', role: 'coordinator', secret: 'pin', password: '551177' },
  VIEWER,
];

const suite = brokerSuite(USERS);

describe('tokens (HMAC-SHA256)', () => {
  const ring = keyringFrom([SECRET_A]);

  it('verifies what it minted, and nothing altered, expired or signed with another secret', () => {
    const token = mintToken(ring, claims());
    expect(verifyToken(ring, token, NOW)).toEqual({ ok: true, claims: claims() });

    const [prefix, kid, body, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify(claims({ role: 'coordinator', lane: undefined }))).toString(
      'base64url',
    );
    expect(verifyToken(ring, [prefix, kid, forged, mac].join('.'), NOW)).toEqual({
      ok: false,
      reason: 'token signature does not match',
    });
    expect(verifyToken(ring, [prefix, kid, body, `${mac?.slice(0, -2)}AA`].join('.'), NOW).ok).toBe(false);
    expect(verifyToken(ring, token, NOW + 900_000)).toEqual({ ok: false, reason: 'token expired' });
    expect(verifyToken(keyringFrom([SECRET_B]), token, NOW).ok).toBe(false);
    expect(verifyToken(ring, 'gpt1.x.y', NOW)).toEqual({ ok: false, reason: 'not a token' });
    expect(verifyToken(ring, `gpt1.${'x'.repeat(3000)}`, NOW)).toEqual({
      ok: false,
      reason: 'token too long',
    });
  });

  it('rotates secrets: the first line signs, the lines below still verify until removed', () => {
    const old = mintToken(keyringFrom([SECRET_A]), claims());
    const rotated = keyringFrom([SECRET_B, SECRET_A]);
    expect(verifyToken(rotated, old, NOW).ok).toBe(true);
    const fresh = mintToken(rotated, claims());
    expect(verifyToken(keyringFrom([SECRET_B]), fresh, NOW).ok).toBe(true);
    expect(verifyToken(keyringFrom([SECRET_B]), old, NOW).ok).toBe(false);
  });

  it('refuses a secrets file with a short secret', () => {
    const file = join(suite.dir, 'short-secret');
    writeFileSync(file, '# the token secret\ntoo-short\n');
    expect(() => loadKeyring(file)).toThrow(expect.objectContaining({ code: ErrorCode.ConfigInvalid }));
    writeFileSync(file, `# the token secret\n${SECRET_A}\n`);
    expect(loadKeyring(file).signing.kid).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe('staff sign-in', () => {
  let now = NOW;
  const issuer = () =>
    new TokenIssuer({
      keyring: keyringFrom([SECRET_A]),
      users: UserStore.load(suite.usersFile, GATEPOST_ACL, silentLogger()),
      table: GATEPOST_ACL,
      ttlSeconds: 900,
      maxSessionSeconds: 12 * 3600,
      now: () => now,
    });

  it('issues a token with the role and lane of the record for the right PIN, nothing for a wrong one', async () => {
    now = NOW;
    const tokens = issuer();
    const ok = await tokens.signIn('S1002', '482913');
    expect(ok).toMatchObject({
      ok: true,
      username: 'S1002',
      role: 'kiosk',
      lane: 'east-2',
      expiresAt: NOW + 900_000,
    });
    expect(ok.ok && tokens.check('S1002', ok.token).ok).toBe(true);
    expect(ok.ok && tokens.check('S1003', ok.token)).toEqual({
      ok: false,
      reason: 'token is for another user',
    });
    expect(await tokens.signIn('S1002', '000000')).toMatchObject({ ok: false, status: 'refused' });
    expect(await tokens.signIn('V3001', 'viewer-password-1')).toMatchObject({ ok: false, status: 'refused' });
    expect(await tokens.signIn('nobody', '123456')).toMatchObject({ ok: false, status: 'refused' });
  });

  it('locks a staff id for 15 minutes after five wrong PINs', async () => {
    now = NOW;
    const tokens = issuer();
    for (let i = 0; i < 5; i++) expect((await tokens.signIn('C2001', `11111${i}`)).ok).toBe(false);
    expect(await tokens.signIn('C2001', '551177')).toMatchObject({
      ok: false,
      status: 'locked',
      retryAfterSeconds: 900,
    });
    now += 901_000;
    expect(await tokens.signIn('C2001', '551177')).toMatchObject({ ok: true, role: 'coordinator' });
  });

  it('refreshes a token within the session, and not past maxSession', async () => {
    now = NOW;
    const tokens = issuer();
    const first = await tokens.signIn('S1002', '482913');
    if (!first.ok) throw new Error('sign-in failed');
    now += 600_000;
    const second = tokens.refresh(first.token);
    expect(second).toMatchObject({ ok: true, expiresAt: now + 900_000 });
    now = NOW + 12 * 3600_000;
    expect(second.ok && tokens.refresh(second.token)).toMatchObject({ ok: false });
  });

  it('ends every token of a user whose PIN changed', async () => {
    now = Date.now();
    const file = await writeUsers(suite.dir, USERS, 'users-pin-change.json');
    const users = UserStore.load(file, GATEPOST_ACL, silentLogger());
    const tokens = new TokenIssuer({
      keyring: keyringFrom([SECRET_A]),
      users,
      table: GATEPOST_ACL,
      ttlSeconds: 900,
      maxSessionSeconds: 3600,
      now: () => now,
    });
    const before = await tokens.signIn('S1002', '482913');
    if (!before.ok) throw new Error('sign-in failed');
    now += 2000;
    writeUsersFile(file, (await changeSecret(readUsersFile(file, GATEPOST_ACL), 'S1002', '774411', now))!);
    users.reload();
    expect(tokens.check('S1002', before.token)).toEqual({
      ok: false,
      reason: "token older than the user's last change",
    });
    expect((await tokens.signIn('S1002', '774411')).ok).toBe(true);
  });

  it('never issues a token for the gateway role', () => {
    now = NOW;
    const tokens = new TokenIssuer({
      keyring: keyringFrom([SECRET_A]),
      users: undefined,
      table: GATEPOST_ACL,
      ttlSeconds: 900,
      maxSessionSeconds: 3600,
      now: () => now,
    });
    expect(tokens.mint({ sub: 'x', role: 'gateway' })).toMatchObject({ ok: false });
    expect(tokens.mint({ sub: 'x', role: 'loopback' })).toMatchObject({ ok: false });
    expect(tokens.mint({ sub: 'x', role: 'kiosk' })).toMatchObject({ ok: false });
    expect(tokens.mint({ sub: 'x', role: 'kiosk', lane: 'east-1' })).toMatchObject({ ok: true });
  });
});

describe('a web page on the broker with a token, over WebSocket', () => {
  it('connects as the signed-in person with the rights of their record, and only that', async () => {
    const broker = await startBroker({ usersFile: suite.usersFile, allowAnonymousLoopback: false });
    const ws = `ws://127.0.0.1:${broker.wsPort}/mqtt`;
    const signIn = await broker.tokens.signIn('S1002', '482913');
    if (!signIn.ok) throw new Error(signIn.reason);
    const gateway = await connect(broker.url ?? '', {
      ...broker.gatewayCredentials,
      clientId: 'gatepost-demo-gateway',
    });
    const requests: string[] = [];
    gateway.on('message', (t, p) => requests.push(`${t} ${p}`));
    await gateway.subscribeAsync('gatepost/demo/lane/+/request/+', { qos: 1 });

    const page = await connect(ws, {
      username: 'S1002',
      password: signIn.token,
      clientId: 'S1002-kiosk-tab1',
    });
    const request = JSON.stringify({ transaction: 'tx-1', staffId: 'S1002', data: { action: 'open' } });
    await page.publishAsync('gatepost/demo/lane/east-2/request/barrier', request, { qos: 1 });
    await waitFor(() => requests.length === 1, 3000, 'the request at the gateway');
    expect(requests).toEqual([`gatepost/demo/lane/east-2/request/barrier ${request}`]);

    // Another lane's barrier: denied, the page's connection is closed.
    page.publish('gatepost/demo/lane/east-1/request/barrier', request, { qos: 1 });
    expect(await closed(page)).toBe(true);

    expect(await refusal(ws, { username: 'C2001', password: signIn.token, clientId: 'C2001-map' })).toBe(4);
    expect(await refusal(ws, { username: 'S1002', password: `${signIn.token}x`, clientId: 'S1002-k' })).toBe(
      4,
    );
    expect(await refusal(ws, { username: 'S1002', password: '482913', clientId: 'S1002-k' })).toBe(4);
  });

  it('rotates the token secret without a restart: old tokens work while the old secret is listed', async () => {
    const secretFile = join(suite.dir, 'token-secrets');
    writeFileSync(secretFile, `${SECRET_A}\n`, { mode: 0o600 });
    const broker = await startBroker({ usersFile: suite.usersFile, tokens: { secretFile }, filePollMs: 50 });
    const ws = `ws://127.0.0.1:${broker.wsPort}/mqtt`;
    const login = (token: string) => ({ username: 'S1002', password: token, clientId: 'S1002-kiosk' });
    const old = await broker.tokens.signIn('S1002', '482913');
    if (!old.ok) throw new Error(old.reason);

    writeFileSync(secretFile, `# new first, the old one until its tokens expire\n${SECRET_B}\n${SECRET_A}\n`);
    let fresh: IssueResult = old;
    await waitFor(
      () => {
        fresh = broker.tokens.mint({ sub: 'S1002', role: 'kiosk', lane: 'east-2' });
        return fresh.ok && fresh.token.split('.')[1] !== old.token.split('.')[1];
      },
      3000,
      'the new signing secret',
    );
    expect(await refusal(ws, login(old.token))).toBe('accepted');

    writeFileSync(secretFile, `${SECRET_B}\n`);
    await waitFor(() => !broker.tokens.check('S1002', old.token).ok, 3000, 'the old secret to be dropped');
    expect(await refusal(ws, login(old.token))).toBe(4);
    expect(fresh.ok && (await refusal(ws, login(fresh.token)))).toBe('accepted');
  });

  it('takes anonymous WebSocket clients on loopback only from pages of this box (Origin)', async () => {
    const broker = await startBroker();
    const ws = `ws://127.0.0.1:${broker.wsPort}/mqtt`;
    expect(await refusal(ws, { wsOptions: { origin: 'http://evil.example' } })).toBe(5);
    expect(await refusal(ws, { wsOptions: { origin: 'http://localhost:8080' } })).toBe('accepted');
    expect(await refusal(ws)).toBe('accepted');
  });
});
