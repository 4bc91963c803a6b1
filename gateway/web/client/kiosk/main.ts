import '../shared/base.css';
import './kiosk.css';
import type { LaneRecordData } from '../../../lanes/lane-records.ts';
import { topicFor } from '../../../mqtt/topics.ts';
import type { YardSummary } from '../../../yard/yard-payloads.ts';
import { AttentionSound } from '../shared/attention-sound.ts';
import { boot, type PageContext } from '../shared/boot.ts';
import { CardDesk } from '../shared/card-desk.ts';
import { h } from '../shared/dom.ts';
import { onLanguageChange, t } from '../shared/i18n.ts';
import { IdleLock } from '../shared/idle-lock.ts';
import { PrinterBoard } from '../shared/printer-board.ts';
import { printerCondition } from '../shared/printer-words.ts';
import { KioskActions } from './actions.ts';
import { AlarmList, type AlarmParams, UplinkWatch } from './alarms.ts';
import { type AttentionItem, attentionItems, soundFor } from './attention.ts';
import { AttentionBanner } from './attention-banner.ts';
import { CardButton } from './card-button.ts';
import { DecisionBanner } from './decision-banner.ts';
import { HealthPanel } from './health-panel.ts';
import { LaneModel } from './lane-model.ts';
import { OutOfDateMark } from './out-of-date.ts';
import { RecentList } from './recent-list.ts';
import { soundCheck } from './sound-check.ts';
import { TruckPanel } from './truck-panel.ts';

/**
 * The lane kiosk (`/kiosk/<lane>`): the truck on the lane and its decision, alarms, device
 * health, the last transits, and the staff's buttons. Live from the lane's topics.
 *
 * A fixed layout (kiosk.css): the attention strip, the decision banner, then the truck, the
 * buttons and the lane's health side by side; each part keeps its place and size in every state
 * and language, so nothing moves under a finger. What wants attention (alarms, the gateway lost,
 * a truck waiting for REVIEW) sounds until acknowledged; the idle lock locks the buttons only.
 */
const lane = decodeURIComponent(location.pathname.split('/').pop() ?? '');
/** An uplink outage this long raises an alarm at the kiosk (once per outage). */
const UPLINK_ALARM_AFTER_MS = 5 * 60_000;

void boot({
  page: 'kiosk',
  lane,
  title: (info) => `${t('kiosk.title')} · ${info.lanes.find((l) => l.id === lane)?.name ?? lane}`,
  subscriptions: (info) => {
    const site = info.site.id;
    return [
      `gatepost/${site}/lane/${lane}/#`,
      topicFor('yardSummary', { site }),
      topicFor('gatewayAlarm', { site }),
      // The trust list's age in the status bar (docs/downlink.md, Status).
      topicFor('gatewayDownlink', { site }),
      // Cards: the replies to this kiosk's card requests, and the card printers' health.
      `gatepost/${site}/cards/response/+`,
      `gatepost/${site}/printer/+/health`,
    ];
  },
  start,
});

function start(ctx: PageContext): void {
  const model = new LaneModel();
  const alarms = new AlarmList();
  const sound = new AttentionSound();
  const lock = new IdleLock(ctx.session);
  let yard: YardSummary | undefined;
  let storageLevel = 'ok';
  let gatewayState: 'online' | 'offline' | undefined;
  let gatewayLost = false;
  /** When the page's data was last live, while the gateway is lost. */
  let lastLive: number | undefined;
  let gatewaySilenced = false;
  let reviewSilenced: string | undefined;
  let items: AttentionItem[] = [];

  const staffId = () => ctx.session.current?.staffId ?? '?';
  const banner = new DecisionBanner();
  const truck = new TruckPanel(ctx.info.feverC);
  const bannerAge = new OutOfDateMark(banner.el);
  const truckAge = new OutOfDateMark(truck.el);
  const health = new HealthPanel();
  const recent = new RecentList();
  const actions = new KioskActions(ctx, lane, model, lock);
  const cardButton = new CardButton(new CardDesk(ctx, lane), lane);
  const printers = new PrinterBoard();
  /** The card printers serving this lane (the config's `printers[].serves.lanes`). */
  const lanePrinters = ctx.info.printers.filter((p) => p.lanes.includes(lane)).map((p) => p.id);
  truck.head.append(cardButton.el);
  const attention = new AttentionBanner((item) => {
    if (item.kind === 'alarm') alarms.ackTop(staffId());
    else if (item.kind === 'gateway') gatewaySilenced = true;
    else reviewSilenced = item.transitId;
    schedule();
  }, lane);

  ctx.status.setTrustList(undefined); // its place in the bar, `—` until the downlink status comes
  document.body.classList.add('kiosk-page');
  ctx.main.classList.add('kiosk');
  ctx.main.append(
    attention.el,
    banner.el,
    h(
      'div',
      { class: 'kiosk-grid' },
      truck.el,
      actions.el,
      h('div', { class: 'kiosk-side' }, health.el, recent.el),
    ),
  );

  let scheduled = false;
  const render = () => {
    scheduled = false;
    const current = model.current();
    const review =
      current?.decision?.outcome === 'REVIEW'
        ? { transitId: current.transitId, plate: current.plate }
        : undefined;
    items = attentionItems({
      alarms: alarms.open(),
      gatewayLost,
      gatewaySilenced,
      review,
      reviewSilenced: review !== undefined && reviewSilenced === review.transitId,
    });
    banner.update(current);
    truck.update(current, model.state, ctx.clock.now());
    bannerAge.update(gatewayLost ? lastLive : undefined);
    truckAge.update(gatewayLost ? lastLive : undefined);
    health.update(model, yard);
    health.updatePrinters(printers, lanePrinters);
    recent.update(model, alarms.all(), ctx.info.feverC);
    actions.update({ gatewayLost });
    // The card is for the truck on the lane, or the last one once it has gone, once decided (the
    // gateway gives none to a truck still being checked or waiting for REVIEW).
    const last = current ?? model.recent[0];
    const outcomeOf = current ? current.decision?.outcome : model.recent[0]?.outcome;
    cardButton.update({
      truck: outcomeOf === 'PASS' || outcomeOf === 'YARD' || outcomeOf === 'ISOLATE',
      plate: last?.plate,
      off: ctx.signedIn.role !== 'kiosk' || gatewayLost || lock.isLocked,
    });
    lock.setUnavailable(gatewayLost ? t('lock.noGateway') : undefined);
    attention.update(items, alarms.topBatch());
    sound.play(soundFor(items));
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(render);
  };
  alarms.onChange(schedule);
  lock.onChange(schedule);
  onLanguageChange(schedule);
  setInterval(schedule, 10_000);

  // The gateway is lost when the page's link to the broker is down (after it was up) or the
  // gateway's own state says it is offline.
  const checkGateway = () => {
    const link = ctx.connection()?.status.state;
    const lost = link === 'stale' || link === 'refused' || (link === 'live' && gatewayState === 'offline');
    if (lost === gatewayLost) return;
    gatewayLost = lost;
    const status = ctx.connection()?.status;
    lastLive = lost ? (status?.state === 'stale' ? status.since : Date.now()) : undefined;
    if (!lost) gatewaySilenced = false;
    schedule();
  };
  setInterval(checkGateway, 500);

  const uplink = new UplinkWatch(UPLINK_ALARM_AFTER_MS, (since) =>
    alarms.raise({
      id: `uplink-${since}`,
      kind: 'uplink',
      message: t('alarm.uplinkMessage'),
      params: {},
      at: since,
    }),
  );
  const raiseFromRecord = (
    id: string,
    at: number,
    kind: string,
    message: string,
    params: AlarmParams = {},
  ) => {
    const plate = model.current()?.plate;
    alarms.raise({
      id,
      kind,
      message,
      at,
      params: plate && params.plate === undefined ? { ...params, plate } : params,
    });
  };

  ctx.router
    .on('laneState', (s) => {
      model.applyState(s);
      schedule();
    })
    // The router checked each record against its type's schema, so its data is of that type.
    .on('laneDecision', (r) => {
      ctx.clock.sample(r.at);
      model.applyDecision(r.data as LaneRecordData<'decision'>, r.at);
      schedule();
    })
    .on('laneTransitEnd', (r) => {
      model.applyTransitEnd(r.data as LaneRecordData<'transit-end'>, r.at);
      schedule();
    })
    .on('laneStaffAction', (r) => {
      model.applyStaffAction(r.data as LaneRecordData<'staff-action'>, r.at);
      schedule();
    })
    .on('deviceHealth', (d) => {
      model.applyHealth(d);
      schedule();
    })
    .on('laneAlarm', (r) => {
      ctx.clock.sample(r.at);
      const a = r.data as LaneRecordData<'alarm'>;
      if (a.active === false)
        alarms.resolve(a.kind, r.at); // the condition ended
      else raiseFromRecord(r.id, r.at, a.kind, a.message, a.params);
    })
    .on('gatewayAlarm', (r) => {
      if (r.data.active) raiseFromRecord(r.id, r.at, r.data.kind, r.data.message, r.data.params);
      else alarms.resolve(r.data.kind, r.at);
    })
    .on('gatewayState', (g) => {
      gatewayState = g.state;
      checkGateway();
    })
    .on('gatewayStorage', (s) => {
      const rank = ['ok', 'warning', 'critical', 'full'];
      if (rank.indexOf(s.level) > rank.indexOf(storageLevel)) {
        const pct = Math.round(s.ratio * 100);
        alarms.raise({
          id: `storage-${s.level}-${s.at}`,
          kind: 'storage',
          message: t('alarm.storageMessage', { pct }),
          params: { pct },
          at: s.at,
        });
      }
      storageLevel = s.level;
    })
    .on('gatewayUplink', (u) => uplink.update(u.connected, u.since, ctx.clock.now()))
    .on('gatewayDownlink', (d) => ctx.status.setTrustList(d.kinds['trust-list']?.issuedAt))
    .on('yardSummary', (s) => {
      yard = s;
      schedule();
    })
    .on('laneResponse', (r) => ctx.requests.settle(r))
    .on('cardResponse', (r) => ctx.requests.settle(r))
    .on('printerHealth', (p, params) => {
      const printer = params.printer ?? '?';
      // The printers of this lane's kiosk only (the config's `printers[].serves.lanes`).
      if (!lanePrinters.includes(printer)) return;
      const turned = printers.apply(printer, p);
      const condition = printerCondition(p);
      // A printer that cannot print is an alarm (a device's sound) until it is back.
      if (turned === 'loud')
        alarms.raise({
          id: `printer-${printer}-${condition}-${p.at}`,
          kind: 'printer',
          message: p.reason,
          // The printer's id only when the lane has several (an id is not a word of the screen).
          params: lanePrinters.length > 1 ? { device: printer, problem: condition } : { problem: condition },
          at: p.at,
        });
      else if (turned === 'quiet') alarms.resolve('printer', p.at);
      schedule();
    });

  (globalThis as { __gatepost?: unknown }).__gatepost = {
    kiosk: {
      sound: () => sound.current ?? null,
      played: () => ({ ...sound.played }),
      locked: () => lock.isLocked,
      attention: () => items.map((x) => (x.kind === 'alarm' ? `alarm:${x.alarm.kind}` : x.kind)),
    },
  };
  render();
  soundCheck(sound);
}
