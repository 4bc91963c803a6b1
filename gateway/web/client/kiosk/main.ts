import '../shared/base.css';
import './kiosk.css';
import type { LaneRecordData } from '../../../lanes/lane-records.ts';
import { topicFor } from '../../../mqtt/topics.ts';
import type { YardSummary } from '../../../yard/payloads.ts';
import { boot, type PageContext } from '../shared/boot.ts';
import { h } from '../shared/dom.ts';
import { onLanguageChange, t } from '../shared/i18n.ts';
import { KioskActions } from './actions.ts';
import { AlarmBanner } from './alarm-banner.ts';
import { AlarmList, UplinkWatch } from './alarms.ts';
import { DecisionBanner } from './decision-banner.ts';
import { HealthPanel } from './health-panel.ts';
import { LaneModel } from './lane-model.ts';
import { RecentList } from './recent-list.ts';
import { TruckPanel } from './truck-panel.ts';

/**
 * The lane kiosk (`/kiosk/<lane>`): the truck on the lane and its decision, alarms, device
 * health, the last transits, and the staff's buttons. Live from the lane's topics.
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
    ];
  },
  start,
});

function start(ctx: PageContext): void {
  const model = new LaneModel();
  const alarms = new AlarmList();
  let yard: YardSummary | undefined;
  let storageLevel = 'ok';

  const banner = new DecisionBanner();
  const truck = new TruckPanel(ctx.info.feverC);
  const health = new HealthPanel();
  const recent = new RecentList();
  const actions = new KioskActions(ctx, lane, model);
  const alarmBanner = new AlarmBanner(alarms, ctx.sound, () => ctx.session.current?.staffId ?? '?');

  ctx.main.classList.add('kiosk');
  ctx.main.append(
    alarmBanner.el,
    banner.el,
    h(
      'div',
      { class: 'kiosk-grid' },
      truck.el,
      h('div', { class: 'kiosk-side' }, actions.el, health.el, recent.el),
    ),
  );

  let scheduled = false;
  const render = () => {
    scheduled = false;
    const current = model.current();
    banner.update(current);
    truck.update(current, model.state, ctx.clock.now());
    health.update(model, yard);
    recent.update(model, alarms.all(), ctx.info.feverC);
    actions.update();
    alarmBanner.update();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(render);
  };
  alarms.onChange(schedule);
  onLanguageChange(schedule);
  setInterval(schedule, 10_000);

  const uplink = new UplinkWatch(UPLINK_ALARM_AFTER_MS, (since) =>
    alarms.raise({ id: `uplink-${since}`, kind: 'uplink', message: t('alarm.uplinkMessage'), at: since }),
  );
  const raiseFromRecord = (id: string, at: number, kind: string, message: string) => {
    alarms.raise({
      id,
      kind,
      message,
      at,
      ...(model.current()?.plate ? { plate: model.current()?.plate } : {}),
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
      if (a.active !== false) raiseFromRecord(r.id, r.at, a.kind, a.message); // active: false clears, raises nothing
    })
    .on('gatewayAlarm', (r) => {
      if (r.data.active) raiseFromRecord(r.id, r.at, r.data.kind, r.data.message);
    })
    .on('gatewayStorage', (s) => {
      const rank = ['ok', 'warning', 'critical', 'full'];
      if (rank.indexOf(s.level) > rank.indexOf(storageLevel)) {
        alarms.raise({
          id: `storage-${s.level}-${s.at}`,
          kind: 'storage',
          message: t('alarm.storageMessage', { pct: Math.round(s.ratio * 100) }),
          at: s.at,
        });
      }
      storageLevel = s.level;
    })
    .on('gatewayUplink', (u) => uplink.update(u.connected, u.since, ctx.clock.now()))
    .on('yardSummary', (s) => {
      yard = s;
      schedule();
    })
    .on('laneResponse', (r) => ctx.requests.settle(r));

  (globalThis as { __gatepost?: unknown }).__gatepost = {
    kiosk: {
      beeps: () => ctx.sound.beeps,
      played: () => ctx.sound.played,
      sounding: () => ctx.sound.sounding,
    },
  };
  render();
}
