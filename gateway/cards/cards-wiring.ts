import type { Database } from 'better-sqlite3';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { SerialOpener } from '../../devices/serial/link.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import type { PassCheck } from '../lanes/lane-ports.ts';
import { topicFor } from '../mqtt/topics.ts';
import type { TrustStore } from '../passes/trust-list.ts';
import { CardIssuer, type CardRecordWriter } from './card-issuer.ts';
import { type RequestClient, serveCardRequests } from './card-requests.ts';
import { CardStore } from './card-store.ts';
import { type BayViews, CardTrucks } from './card-trucks.ts';
import { createReceiptPrinter } from './printer-factory.ts';
import { Printers } from './printers.ts';
import { RevocationCheckingVerifier } from './revoked-cards.ts';
import { ephemeralSiteKey, loadOrCreateSiteKey, type SiteKey, siteKeyFileOf } from './site-key.ts';
import { SiteTrust } from './site-trust.ts';

export interface CardsOptions {
  config: SiteConfig;
  db: Database;
  writer: CardRecordWriter;
  client: RequestClient;
  yard: BayViews | undefined;
  serial: SerialOpener;
  clock: Clock;
  log: Logger;
}

export interface Cards {
  readonly key: SiteKey;
  readonly store: CardStore;
  readonly issuer: CardIssuer;
  /** What the lanes verify with: the site key joins the trust list, revoked cards are refused. */
  readonly lanes: {
    trust(base: TrustStore): TrustStore;
    verifier(inner: PassCheck): PassCheck;
  };
  stop(): Promise<void>;
}

/**
 * The site's cards (docs/passes.md#site-key-and-cards): its key (made on the first start, refused if
 * unreadable), published retained as a public JWK; its printers and their health; the card
 * requests of the kiosks and the yard.
 */
export async function startCards(o: CardsOptions): Promise<Cards> {
  const { config, clock } = o;
  const site = config.site.id;
  const log = o.log.child({ part: 'cards' });
  // A store in memory keeps its key in memory too (its cards do not outlive it either).
  const key =
    config.storage.path === ':memory:'
      ? await ephemeralSiteKey(site)
      : await loadOrCreateSiteKey(siteKeyFileOf(config.storage.path), site);
  log.info(
    { kid: key.kid, file: key.file, created: key.created },
    key.created ? 'site key made' : 'site key read',
  );
  const store = new CardStore(o.db);
  const printers = new Printers({
    configs: config.printers,
    create: (c) => createReceiptPrinter(c, { serial: o.serial, clock, log: log.child({ printer: c.id }) }),
    publishHealth: (printer, health) =>
      o.client.publish(topicFor('printerHealth', { site, printer }), health, true),
    clock,
    log,
  });
  const issuer = new CardIssuer({
    site: config.site,
    config: config.cards,
    key,
    store,
    trucks: new CardTrucks(o.db, o.yard),
    printers,
    writer: o.writer,
    clock,
    log,
  });
  await o.client.publish(topicFor('cardsSiteKey', { site }), key.jwk, true);
  await serveCardRequests(o.client, site, { issuer, writer: o.writer, log });
  printers.start();
  const trust = new SiteTrust(key.kid, key.publicKey);
  return {
    key,
    store,
    issuer,
    lanes: {
      trust: (base) => trust.merge(base),
      verifier: (inner) => new RevocationCheckingVerifier(inner, site, store),
    },
    stop: () => printers.stop(),
  };
}
