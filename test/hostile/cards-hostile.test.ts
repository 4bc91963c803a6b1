import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { CARD_REQUEST_DATA } from '../../gateway/cards/card-payloads.ts';
import { CardStore, type StoredCard } from '../../gateway/cards/card-store.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';
import { startStorage } from '../../gateway/store/storage.ts';
import { StorageConfigSchema } from '../../site-config/schema.ts';

/**
 * The cards table holds each card's signed code, and the code carries the person's pseudonymous
 * subject: it may not be kept for ever. Over the real store (SQLite, its migrations and its
 * retention run), a card whose validity ended more than `ledgerMaxAgeDays` ago is deleted; a card
 * still valid, or not yet that old, stays.
 */
const DAY = 24 * 3_600_000;
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-cards-hostile-'));
  const path = join(dir, 'g.db');
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const db = openDatabase(path);
  const log = silentLogger();
  const store = new RecordStore({ db, site: 'demo', clock, log, groupCommitMs: 0 });
  const config = StorageConfigSchema.parse({ path, maxAgeDays: 90, ledgerMaxAgeDays: 365 });
  const storage = startStorage({ db, store, config, site: 'demo', clock, log });
  cleanup.push(() => {
    storage.stop();
    store.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { clock, db, storage, cards: new CardStore(db) };
}

const card = (id: string, issuedAt: number, validUntil: number): StoredCard => ({
  id,
  kid: 'site:demo:abc',
  plate: '苏E12345',
  color: 'green',
  issuedAt,
  validUntil,
  code: `GP1:header.payload-with-subject-${id}.sig`,
});

describe('card retention', () => {
  it('deletes cards whose validity ended more than ledgerMaxAgeDays ago, keeps the rest', () => {
    const { clock, storage, cards } = setup();
    const t0 = clock.now();
    cards.insert(card('old', t0, t0 + DAY));
    cards.insert(card('revoked-old', t0, t0 + DAY));
    cards.revoke('revoked-old', t0 + 1000, 'lost card');
    cards.insert(card('recent', t0 + 300 * DAY, t0 + 301 * DAY));
    // Retention runs at a given time; the store's own maintenance timer never fires (the clock stays).
    const later = t0 + 367 * DAY;
    cards.insert(card('valid', later, later + DAY));

    const report = storage.retention.run(later);

    expect(report.cardsDeleted).toBe(2);
    expect(cards.get('old')).toBeUndefined();
    expect(cards.get('revoked-old')).toBeUndefined();
    expect(cards.get('recent')?.id).toBe('recent');
    expect(cards.get('valid')?.id).toBe('valid');
    expect(storage.retention.run(later).cardsDeleted).toBe(0);
  });

  it('deletes a backlog of expired cards within its per-run budget, the rest on the next runs', () => {
    const { clock, db, storage, cards } = setup();
    const t0 = clock.now();
    db.transaction(() => {
      for (let i = 0; i < 60_000; i++) cards.insert(card(`c${i}`, t0, t0 + DAY));
    })();
    const later = t0 + 400 * DAY;
    const started = performance.now();
    const first = storage.retention.run(later);
    const ms = performance.now() - started;
    expect(first.cardsDeleted).toBe(50_000);
    expect(first.more).toBe(true);
    expect(ms).toBeLessThan(5_000);
    expect(storage.retention.run(later).cardsDeleted).toBe(10_000);
    expect((db.prepare('SELECT COUNT(*) AS n FROM cards').get() as { n: number }).n).toBe(0);
  });
});

describe('card requests with hostile text', () => {
  const revoke = CARD_REQUEST_DATA.revoke;
  const cardId = 'card-0123456789abcdef';
  it('refuses a blank, a control-character or a bidi-override revocation reason, with the reason', () => {
    expect(revoke.safeParse({ cardId, reason: 'lost card 丢失' }).success).toBe(true);
    expect(revoke.safeParse({ cardId, reason: '     ' }).success).toBe(false);
    for (const reason of ['lost\u0000card', 'lost \u202Edrac', 'lost\u001b[2Jcard', 'lost\u200Bcard']) {
      const r = revoke.safeParse({ cardId, reason });
      expect(r.success).toBe(false);
      expect(r.error?.issues.map((i) => i.message).join(';')).toMatch(/control or invisible/);
    }
  });
});
