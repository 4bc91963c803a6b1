import { describe, expect, it } from 'vitest';
import { closed, connect, writeUsers } from '../support/broker-harness.ts';
import { CHEAP_HASH, COORD, cardLaneSite, KIOSK, OTHER, REVOKE } from './support/card-lane-site.ts';

/**
 * A will is authorized again when it fires, but against the rights of when its client connected.
 * When the users file moves a kiosk user to another lane, or removes it, the broker closes its
 * connections and Aedes then publishes their wills: a card request naming the old lane, in the
 * name of a user now bound to east-2 (or gone), was accepted by the broker and acted on by the
 * gateway (found by a hostile pass, 2026-12-07). The broker now marks the closed connections
 * revoked and refuses what they still publish (broker/security.ts). Real broker, real MQTT, the
 * real card handler and SQLite store.
 */
const OWN_CARD_2 = 'card-0000000000000e11';
const OWN_CARD_3 = 'card-0000000000000e21';

const site = cardLaneSite([
  { id: OWN_CARD_2, lane: 'east-1', plate: '苏E00011' },
  { id: OWN_CARD_3, lane: 'east-1', plate: '苏E00021' },
]);
const { next, startSite, login, env, replyTo } = site;

describe('stale authorization: a will set while bound to east-1, published after the user was moved', () => {
  it('a kiosk moved from east-1 to east-2 (its connection closed by the broker) gets no east-1 card action through its will', async () => {
    site.usersFile = await writeUsers(site.dir, [KIOSK, OTHER, COORD], undefined, CHEAP_HASH);
    await startSite({ filePollMs: 100 });
    const t = `will-${next()}`;
    const will = {
      topic: REVOKE,
      payload: Buffer.from(env({ cardId: OWN_CARD_2, reason: 'lost', lane: 'east-1' }, t)),
      qos: 1 as const,
      retain: false,
    };
    const client = await connect(site.broker.url ?? '', { ...login(KIOSK), will });
    // The administrator moves S1001 to east-2: the broker closes S1001's connections.
    await writeUsers(site.dir, [{ ...KIOSK, lane: 'east-2' }, OTHER, COORD], undefined, CHEAP_HASH);
    expect(await closed(client, 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    // S1001 is now bound to east-2; an east-1 card action in its name must not happen.
    expect(replyTo(t)).toBeUndefined();
    expect(site.store.get(OWN_CARD_2)?.revokedAt).toBeUndefined();
  }, 30_000);

  it('a kiosk removed from the users file gets no card action through its will', async () => {
    site.usersFile = await writeUsers(site.dir, [KIOSK, OTHER, COORD], undefined, CHEAP_HASH);
    await startSite({ filePollMs: 100 });
    const t = `will-${next()}`;
    const will = {
      topic: REVOKE,
      payload: Buffer.from(env({ cardId: OWN_CARD_3, reason: 'lost', lane: 'east-1' }, t)),
      qos: 1 as const,
      retain: false,
    };
    const client = await connect(site.broker.url ?? '', { ...login(KIOSK), will });
    await writeUsers(site.dir, [OTHER, COORD], undefined, CHEAP_HASH);
    expect(await closed(client, 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(replyTo(t)).toBeUndefined();
    expect(site.store.get(OWN_CARD_3)?.revokedAt).toBeUndefined();
  }, 30_000);
});
