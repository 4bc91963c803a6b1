import '../shared/base.css';
import './yard.css';
import { topicFor } from '../../../mqtt/topics.ts';
import { type AlertData, BAY_STATES } from '../../../yard/yard-payloads.ts';
import { boot, type PageContext } from '../shared/boot.ts';
import { CardDesk } from '../shared/card-desk.ts';
import { toast } from '../shared/dialog.ts';
import { h } from '../shared/dom.ts';
import { onLanguageChange, t, tEnum } from '../shared/i18n.ts';
import { IdleLock } from '../shared/idle-lock.ts';
import { PrinterBoard } from '../shared/printer-board.ts';
import { conditionProblem, conditionWords, isLoud, printerCondition } from '../shared/printer-words.ts';
import { AlertList } from './alert-list.ts';
import { BayPanel } from './bay-panel.ts';
import { MapBar } from './map-bar.ts';
import { MapCanvas } from './map-canvas.ts';
import { PlateSearch } from './plate-search.ts';
import { SidePanel } from './side-panel.ts';
import { YardModel } from './yard-model.ts';
import { ZoneFilter } from './zone-filter.ts';

/**
 * The yard map (`/yard`): every bay by zone on one canvas, coloured by state, live from the
 * retained bay topics (which make the map whole on connect), with the zoom and a reserved strip
 * for notices under it; beside it the plate search on top, then either a chosen bay's detail and
 * actions or the legend, filters, results due and dwell. The layout is fixed: a notice, a
 * keypad or a chosen bay never moves the map or the buttons around it. A chosen bay's truck is
 * followed: when it is moved, the selection goes with it to its new bay.
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
      // Cards: the replies to this page's card requests, and the card printers' health.
      `gatepost/${site}/cards/response/+`,
      `gatepost/${site}/printer/+/health`,
    ];
  },
  start,
});

function start(ctx: PageContext): void {
  const model = new YardModel(ctx.info);
  const printers = new PrinterBoard();
  /**
   * The card printers in the status bar (there from the start, so nothing moves when one reports):
   * "OK" when every one can print, else the worst one's condition, blinking when it cannot print.
   */
  const renderPrinters = () => {
    // A site without a printer for the yard shows none.
    if (!ctx.info.printers.some((x) => x.yard)) return;
    const all = printers.all();
    const worst = all.find((p) => isLoud(p.condition)) ?? all.find((p) => p.condition === 'degraded');
    const c = worst?.condition ?? 'online';
    ctx.status.setPrinters(
      t('bar.printer', { state: all.length === 0 ? '—' : conditionWords(c) }),
      all.length === 0 ? 'off' : isLoud(c) ? 'bad' : c === 'degraded' ? 'warn' : 'ok',
      all.map((p) => `${p.id}: ${p.reason}`).join(', '),
    );
  };
  renderPrinters();
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
  /** The truck in the chosen bay (its visit), followed when it moves. */
  let following: string | undefined;
  const select = (bay: string | undefined) => {
    selected = bay;
    following = bay ? model.views.get(bay)?.truck?.visitId : undefined;
    map.select(bay);
    if (bay) map.reveal(bay);
    bayPanel.show(bay);
    side.el.hidden = bay !== undefined;
    column.classList.toggle('bay-open', bay !== undefined);
  };
  const map = new MapCanvas(model, headerText, stripText, select);
  const bayPanel = new BayPanel(ctx, model, () => select(undefined), new CardDesk(ctx));
  const alerts = new AlertList(
    (bay) => select(bay),
    () => side.renderTabs(),
  );
  const search = new PlateSearch({
    model,
    onFilter: () => map.markAll(),
    onPick: (bay) => {
      search.showKeypad(false);
      select(bay);
    },
    onKeypad: (open) => column.classList.toggle('kb-open', open),
  });
  const zones = new ZoneFilter(model, () => map.markAll());
  const bar = new MapBar((on) => map.setZoom(on), zones.el);
  const side = new SidePanel({
    alerts: alerts.el,
    model,
    now: () => ctx.clock.now(),
    onFilter: () => map.markAll(),
    onPick: (bay) => select(bay),
    onFit: (rows) => alerts.setShown(rows),
    alertCount: () => alerts.count,
  });
  const column = h(
    'div',
    { class: 'yard-side' },
    search.row,
    search.keypad,
    search.matches.el,
    bayPanel.el,
    side.el,
    bar.toastSlot,
  );
  document.body.classList.add('page-yard');
  // After idleLockMinutes without a touch: actions locked behind a PIN, the map stays live. The
  // "enter PIN" control takes the notice strip's left part (the notices its right part), so it
  // covers no bay and no button.
  bar.toastSlot.append(new IdleLock(ctx.session).control);
  ctx.main.classList.add('yard');
  ctx.main.append(
    h('div', { class: 'yard-grid' }, h('div', { class: 'map-column' }, map.el, bar.el), column),
  );

  let sideScheduled = false;
  const scheduleSide = () => {
    if (sideScheduled) return;
    sideScheduled = true;
    requestAnimationFrame(() => {
      const t0 = performance.now();
      sideScheduled = false;
      side.renderCounts();
      search.renderMatches();
      stats.sideMs += performance.now() - t0;
    });
  };
  /** For the benchmark: bay messages applied, and the time spent on them (model) and on the side panel. */
  const stats = { applied: 0, lastAppliedAt: 0, modelMs: 0, sideMs: 0 };

  ctx.router
    .on('yardBay', (v) => {
      const t0 = performance.now();
      if (!model.apply(v)) return;
      map.markBay(v.bay);
      if (v.bay === selected) bayPanel.render();
      else if (following !== undefined && v.truck?.visitId === following) select(v.bay);
      scheduleSide();
      stats.applied++;
      stats.lastAppliedAt = performance.now();
      stats.modelMs += stats.lastAppliedAt - t0;
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
    .on('yardResponse', (r) => ctx.requests.settle(r))
    .on('cardResponse', (r) => ctx.requests.settle(r))
    .on('printerHealth', (p, params) => {
      const printer = params.printer ?? '?';
      // The printers serving the yard's bay panels only.
      if (!ctx.info.printers.some((x) => x.id === printer && x.yard)) return;
      // A printer that cannot print is said at once (the notice strip), and stays in the totals.
      if (printers.apply(printer, p) === 'loud') {
        const c = printerCondition(p);
        toast(t('alarmWhat.printer', { device: printer, problem: conditionProblem(c) }), 'error', 15_000);
      }
      renderPrinters();
    });

  onLanguageChange(() => {
    alerts.render();
    map.markAll();
    side.renderControls();
    renderPrinters();
    side.renderClock();
    search.renderControls();
    zones.render();
    bar.render();
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
      zoomed: () => map.zoom,
      selected: () => selected,
      known: () => model.views.size,
      stats: () => ({ ...map.stats, ...stats, ...ctx.connection()?.delivery }),
    },
  };
}
