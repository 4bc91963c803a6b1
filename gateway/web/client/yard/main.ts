import '../shared/base.css';
import './yard.css';
import { topicFor } from '../../../mqtt/topics.ts';
import { type AlertData, BAY_STATES } from '../../../yard/payloads.ts';
import { boot, type PageContext } from '../shared/boot.ts';
import { h } from '../shared/dom.ts';
import { onLanguageChange, t, tEnum } from '../shared/i18n.ts';
import { AlertList } from './alert-list.ts';
import { BayPanel } from './bay-panel.ts';
import { MapCanvas } from './map-canvas.ts';
import { SidePanel } from './side-panel.ts';
import { YardModel } from './yard-model.ts';

/**
 * The yard map (`/yard`): every bay by zone on one canvas, coloured by state, live from the
 * retained bay topics (which make the map whole on connect); the legend, filters, search,
 * results due and dwell beside it; a chosen bay's detail and actions.
 */
void boot({
  page: 'yard',
  title: (info) => `${t('yard.title')} · ${info.site.name}`,
  subscriptions: (info) => {
    const site = info.site.id;
    return [
      `gatepost/${site}/yard/bay/+`,
      topicFor('yardSummary', { site }),
      topicFor('yardAlert', { site }),
      `gatepost/${site}/yard/response/+`,
    ];
  },
  start,
});

function start(ctx: PageContext): void {
  const model = new YardModel(ctx.info);
  const headerText = (zoneId: string) => {
    const zone = model.zones.find((z) => z.id === zoneId);
    const c = model.counts.get(zoneId);
    if (!zone || !c) return zoneId;
    const parts = [`${zone.name} (${tEnum('zoneKind', zone.kind)})`, t('map.bays', { n: zone.bays.length })];
    for (const s of BAY_STATES) if (c[s] > 0) parts.push(`${tEnum('state', s)} ${c[s]}`);
    return parts.join(' · ');
  };
  const stripText = (z: { name: string; kind: string }) =>
    `${z.name} — ${tEnum('zoneKind', z.kind)} · ${t('map.noBays')}`;

  let selected: string | undefined;
  const select = (bay: string | undefined) => {
    selected = bay;
    map.select(bay);
    bayPanel.show(bay);
  };
  const map = new MapCanvas(model, headerText, stripText, select);
  const bayPanel = new BayPanel(ctx, model, () => select(undefined));
  const alerts = new AlertList((bay) => select(bay));
  const side = new SidePanel({
    alerts: alerts.el,
    model,
    now: () => ctx.clock.now(),
    onFilter: () => map.markAll(),
    onPick: (bay) => select(bay),
  });
  ctx.main.classList.add('yard');
  ctx.main.append(
    h('div', { class: 'yard-grid' }, map.el, h('div', { class: 'yard-side' }, bayPanel.el, side.el)),
  );

  let sideScheduled = false;
  const scheduleSide = () => {
    if (sideScheduled) return;
    sideScheduled = true;
    requestAnimationFrame(() => {
      sideScheduled = false;
      side.renderCounts();
    });
  };
  const stats = { applied: 0, lastAppliedAt: 0 };

  ctx.router
    .on('yardBay', (v) => {
      if (!model.apply(v)) return;
      stats.applied++;
      stats.lastAppliedAt = performance.now();
      map.markBay(v.bay);
      if (v.bay === selected) bayPanel.render();
      scheduleSide();
    })
    .on('yardSummary', (s) => {
      model.summary = s;
      ctx.clock.sample(s.at);
      scheduleSide();
    })
    .on('yardAlert', (r) => {
      ctx.clock.sample(r.at);
      // The router checked the record against its type's schema: this is an alert.
      alerts.add(r.id, r.at, r.data as AlertData);
    })
    .on('yardResponse', (r) => ctx.requests.settle(r));

  onLanguageChange(() => {
    alerts.render();
    map.markAll();
    side.renderControls();
    side.renderClock();
    bayPanel.render();
  });
  setInterval(() => {
    side.renderClock();
    if (selected) bayPanel.tick();
  }, 1_000);
  side.renderClock();

  (globalThis as { __gatepost?: unknown }).__gatepost = {
    yard: {
      cellOf: (bay: string) => map.cellOf(bay),
      bayCount: () => map.bayCount,
      known: () => model.views.size,
      stats: () => ({ ...map.stats, ...stats }),
    },
  };
}
