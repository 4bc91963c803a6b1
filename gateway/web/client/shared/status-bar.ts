import type { GatewayState, StorageStatus, UplinkStatus } from '../../../mqtt/gateway-payloads.ts';
import type { LinkStatus } from './connection.ts';
import { h, setText, setVariant } from './dom.ts';
import { currentLang, onLanguageChange, setLanguage, t } from './i18n.ts';

/**
 * The bar at the top of both pages: what the page is, whether its data is live or stale (and
 * since when), the gateway, the uplink to the central office and the disk, the clock, the
 * language switch and who is signed in. A stale link or a gateway that is gone shows a loud
 * banner over the bar's title and state pills, and puts `is-stale` on the body: the
 * bar keeps its height whatever it shows, so nothing below it moves under a finger.
 */
export interface StatusBarOptions {
  title: () => string;
  onSignOut: () => void;
}

export class StatusBar {
  readonly el: HTMLElement;
  private readonly titleEl = h('div', { class: 'bar-title' });
  private readonly linkEl = h('span', { class: 'pill', dataset: { testid: 'link' } });
  private readonly gatewayEl = h('span', { class: 'pill', dataset: { testid: 'gateway' } });
  private readonly uplinkEl = h('span', { class: 'pill', dataset: { testid: 'uplink' } });
  private readonly storageEl = h('span', { class: 'pill', dataset: { testid: 'storage' } });
  private readonly trustEl = h('span', {
    class: 'pill trust-pill',
    hidden: true,
    dataset: { testid: 'trust-list' },
  });
  /** The card printers (the yard): the worst one's condition, loud when one cannot print. */
  private readonly printerEl = h('span', {
    class: 'pill printer-pill',
    hidden: true,
    dataset: { testid: 'printer-pill' },
  });
  private readonly clockEl = h('span', { class: 'bar-clock' });
  private readonly userEl = h('span', { class: 'bar-user' });
  private readonly langBtn = h('button', {
    type: 'button',
    class: 'btn btn-small',
    dataset: { testid: 'lang' },
  });
  private readonly signOutBtn = h('button', {
    type: 'button',
    class: 'btn btn-small',
    dataset: { testid: 'sign-out' },
  });
  readonly staleBanner = h('div', {
    class: 'stale-banner',
    role: 'status',
    hidden: true,
    dataset: { testid: 'stale-banner' },
  });
  private readonly pillsEl = h('div', { class: 'bar-pills' });

  private link: LinkStatus | undefined;
  private gateway: GatewayState | undefined;
  private uplink: UplinkStatus | undefined;
  private storage: StorageStatus | undefined;
  /** When the central office issued the trust list in use (the downlink's status), epoch ms. */
  private trustIssuedAt: number | undefined;
  /** The page shows the trust list's age (the kiosk): the pill keeps its place from the start. */
  private trustShown = false;
  private uplinkDenied = false;
  private user: string | undefined;

  constructor(private readonly o: StatusBarOptions) {
    this.langBtn.addEventListener('click', () => setLanguage(currentLang() === 'zh' ? 'en' : 'zh'));
    this.signOutBtn.addEventListener('click', () => o.onSignOut());
    this.pillsEl.append(
      this.linkEl,
      this.gatewayEl,
      this.uplinkEl,
      this.storageEl,
      this.trustEl,
      this.printerEl,
    );
    this.el = h(
      'header',
      { class: 'status-bar' },
      h('div', { class: 'bar-left' }, this.titleEl, this.pillsEl, this.staleBanner),
      h('div', { class: 'bar-right' }, this.clockEl, this.userEl, this.signOutBtn, this.langBtn),
    );
    onLanguageChange(() => this.render());
    setInterval(() => this.render(), 1_000);
    this.render();
  }

  setLink(s: LinkStatus, uplinkFilter?: string): void {
    this.link = s;
    if (uplinkFilter) this.uplinkDenied = s.denied.has(uplinkFilter);
    this.render();
  }
  setGateway(s: GatewayState): void {
    this.gateway = s;
    this.render();
  }
  setUplink(s: UplinkStatus): void {
    this.uplink = s;
    this.render();
  }
  setStorage(s: StorageStatus): void {
    this.storage = s;
    this.render();
  }
  /**
   * Shows the trust list's age: when the centre issued the list in use (the retained downlink
   * status), or `—` until one came by the downlink. Pages that never call this show no pill.
   */
  setTrustList(issuedAt: number | undefined): void {
    this.trustShown = true;
    this.trustIssuedAt = issuedAt;
    this.render();
  }
  /**
   * Shows the card printers: `words` already in the screen's language (re-sent after a change of
   * language), `level` ok, warn (paper low), bad (cannot print: blinks) or off (no health yet).
   * Pages that never call this show no pill; one that does keeps its place from the first call.
   */
  setPrinters(words: string, level: 'ok' | 'warn' | 'bad' | 'off', title = ''): void {
    this.printerEl.hidden = false;
    setText(this.printerEl, words);
    setVariant(this.printerEl, 'pill', level);
    this.printerEl.title = title;
  }
  setUser(staffId: string | undefined): void {
    this.user = staffId;
    this.render();
  }

  /** Data on the page is not live: the link is down or the gateway is gone. */
  get stale(): boolean {
    return (this.link !== undefined && this.link.state !== 'live') || this.gateway?.state === 'offline';
  }

  private render(): void {
    setText(this.titleEl, this.o.title());
    setText(this.langBtn, currentLang() === 'zh' ? 'English' : '中文');
    setText(this.signOutBtn, t('bar.signOut'));
    this.signOutBtn.hidden = this.user === undefined;
    setText(this.userEl, this.user ? t('bar.user', { id: this.user }) : '');
    const now = new Date();
    setText(
      this.clockEl,
      `${String(now.getHours()).padStart(2, '0')}:${String(now.getMinutes()).padStart(2, '0')}`,
    );

    const link = this.link;
    const ago = link ? Math.max(0, Math.round((Date.now() - link.since) / 1000)) : 0;
    if (!link) pill(this.linkEl, 'off', t('link.off'));
    else if (link.state === 'live') pill(this.linkEl, 'ok', t('link.live'));
    else if (link.state === 'refused') pill(this.linkEl, 'bad', t('link.refused'));
    else if (link.state === 'connecting') pill(this.linkEl, 'warn', t('link.connecting'));
    else pill(this.linkEl, 'bad', t('link.stale', { s: ago }));

    const g = this.gateway;
    if (!g) pill(this.gatewayEl, 'off', t('gateway.unknown'));
    else if (g.state === 'online') pill(this.gatewayEl, 'ok', t('gateway.online'));
    else pill(this.gatewayEl, 'bad', t(g.reason === 'lost' ? 'gateway.lost' : 'gateway.offline'));

    const u = this.uplink;
    if (this.uplinkDenied) pill(this.uplinkEl, 'off', t('uplink.denied'));
    else if (!u) pill(this.uplinkEl, 'off', t('uplink.unknown'));
    else if (u.connected) pill(this.uplinkEl, 'ok', t('uplink.up', { n: u.backlog.count }));
    else pill(this.uplinkEl, 'warn', t('uplink.down', { n: u.backlog.count }));

    const s = this.storage;
    this.storageEl.hidden = !s || s.level === 'ok';
    if (s && s.level !== 'ok') {
      pill(
        this.storageEl,
        s.level === 'warning' ? 'warn' : 'bad',
        t('storage.level', {
          level: t(`storage.${s.level}`),
          pct: Math.round(s.ratio * 100),
        }),
      );
    }

    const issued = this.trustIssuedAt;
    this.trustEl.hidden = !this.trustShown;
    if (issued === undefined) pill(this.trustEl, 'off', t('trust.unknown'));
    else {
      const ageMs = Math.max(0, Date.now() - issued);
      pill(this.trustEl, ageMs > TRUST_LIST_OLD_MS ? 'warn' : 'ok', t('trust.age', { age: trustAge(ageMs) }));
    }

    const stale = this.stale && link !== undefined;
    document.body.classList.toggle('is-stale', stale);
    this.staleBanner.hidden = !stale;
    this.pillsEl.hidden = stale;
    if (stale) {
      // Why, for the page and its style: the gateway gone (red) is louder than a link that drops.
      const why =
        g?.state === 'offline' && link?.state === 'live'
          ? g.reason === 'lost'
            ? 'gateway-lost'
            : 'gateway-offline'
          : link?.state === 'refused'
            ? 'refused'
            : 'link';
      this.staleBanner.dataset.reason = why;
      setVariant(this.staleBanner, 'stale-banner', why === 'link' ? 'warn' : 'bad');
      setText(
        this.staleBanner,
        why === 'gateway-lost' || why === 'gateway-offline'
          ? t('stale.gateway')
          : why === 'refused'
            ? t('stale.refused')
            : t('stale.link', { s: ago }),
      );
    }
  }
}

/** A trust list the centre issued longer ago than this is shown amber: is the downlink working? */
const TRUST_LIST_OLD_MS = 2 * 24 * 3600_000;

/** `12 min`, `5 h`, `3 d`: short, so the pill stays whole at 1024 px. */
function trustAge(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 60) return t('trust.ageMin', { n: min });
  const hours = Math.floor(min / 60);
  if (hours < 48) return t('trust.ageH', { n: hours });
  return t('trust.ageD', { n: Math.floor(hours / 24) });
}

function pill(el: HTMLElement, level: 'ok' | 'warn' | 'bad' | 'off', text: string): void {
  setVariant(el, 'pill', level);
  setText(el, text);
}
