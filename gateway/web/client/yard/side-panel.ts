import { BAY_STATES, type BayState } from '../../../yard/yard-payloads.ts';
import { h, setText } from '../shared/dom.ts';
import { dwell } from '../shared/format.ts';
import { t, tEnum } from '../shared/i18n.ts';
import { RowList } from '../shared/row-list.ts';
import { STATE_COLORS } from './bay-colors.ts';
import { countdown } from './time-words.ts';
import type { DueSample, YardModel } from './yard-model.ts';

/**
 * Beside the map, below the plate search, in four tabs so that each fits the column without
 * scrolling (at 1024×600 too): the states (the legend, which is also the state filter: tap a state
 * to show only it, and the totals), the results due and overdue with their countdowns in words
 * ("9 min 28 s left", "overdue +2 min"), the alerts, and the dwell times. The lists show as many
 * rows as fit (a ResizeObserver counts them), the rest summed up in a line. Controls are built
 * once and updated in place (a burst of changes or a countdown never replaces a button under a
 * finger).
 */
const TABS = ['states', 'due', 'alerts', 'dwell'] as const;
type Tab = (typeof TABS)[number];
/** A list row (60 px and its line). */
const ROW_PX = 61;
/** Room under a list for its "n more" line. */
const MORE_PX = 30;

export interface SidePanelOptions {
  model: YardModel;
  now: () => number;
  onFilter: () => void;
  onPick: (bay: string) => void;
  /** The alert list, in its tab. */
  alerts: HTMLElement;
  /** How many list rows fit (after a resize). */
  onFit: (rows: number) => void;
  /** The number of alerts, for the tab's label. */
  alertCount: () => number;
}

type Dwelling = { bay: string; plate: string | undefined; arrivedAt: number };

export class SidePanel {
  readonly el: HTMLElement;
  private readonly legend = h('ul', { class: 'legend', dataset: { testid: 'legend' } });
  private readonly legendItems = new Map<
    BayState,
    { button: HTMLElement; label: HTMLElement; count: HTMLElement }
  >();
  private readonly totals = h('dl', { class: 'totals', dataset: { testid: 'totals' } });
  private readonly totalRows = new Map<string, { dt: HTMLElement; dd: HTMLElement }>();
  private readonly due: RowList<DueSample>;
  private readonly dueMore = h('p', { class: 'empty more' });
  private readonly dwellStats = h('p', { dataset: { testid: 'dwell' } });
  private readonly longest: RowList<Dwelling>;
  private readonly tabs = new Map<Tab, HTMLButtonElement>();
  private readonly panes: Record<Tab, HTMLElement>;
  private readonly body = h('div', { class: 'side-body' });
  private fit = 3;
  private dueCount = 0;

  constructor(private readonly o: SidePanelOptions) {
    const pick = (bay: string) => o.onPick(bay);
    this.due = new RowList(
      { class: 'due-list', testid: 'due' },
      ['due-bay', 'due-plate', 'due-kind', 'due-time'],
      (d) => pick(d.bay),
    );
    this.longest = new RowList({ class: 'longest' }, ['due-bay', 'due-plate', 'due-time'], (d) =>
      pick(d.bay),
    );
    for (const s of BAY_STATES) {
      const swatch = h('span', { class: 'swatch' });
      swatch.style.background = STATE_COLORS[s].fill;
      const item = {
        label: h('span', { class: 'legend-label' }),
        count: h('span', { class: 'legend-count' }),
        button: h('button', {
          type: 'button',
          class: 'legend-item',
          dataset: { state: s, testid: `legend-${s}` },
          onclick: () => this.toggleState(s),
        }),
      };
      item.button.append(swatch, item.label, item.count);
      this.legendItems.set(s, item);
      this.legend.append(h('li', null, item.button));
    }
    for (const key of ['free', 'trucks', 'awaiting', 'overdue', 'unknown']) {
      const row = { dt: h('dt'), dd: h('dd', { dataset: { testid: key } }) };
      this.totalRows.set(key, row);
      this.totals.append(row.dt, row.dd);
    }
    this.panes = {
      states: h('div', { class: 'pane' }, this.legend, this.totals),
      due: h('div', { class: 'pane' }, this.due.el, this.dueMore),
      alerts: h('div', { class: 'pane' }, o.alerts),
      dwell: h('div', { class: 'pane' }, this.dwellStats, this.longest.el),
    };
    for (const tab of TABS) {
      this.tabs.set(
        tab,
        h('button', {
          type: 'button',
          class: 'btn side-tab',
          role: 'tab',
          dataset: { testid: `tab-${tab}` },
          onclick: () => this.show(tab),
        }),
      );
      this.body.append(this.panes[tab]);
    }
    this.el = h(
      'aside',
      { class: 'side-panel' },
      h('div', { class: 'side-tabs', role: 'tablist' }, [...this.tabs.values()]),
      this.body,
    );
    new ResizeObserver(() => {
      const rows = Math.max(1, Math.floor((this.body.clientHeight - MORE_PX) / ROW_PX));
      if (rows === this.fit) return;
      this.fit = rows;
      o.onFit(rows);
      this.renderClock();
    }).observe(this.body);
    this.show('states');
    this.renderControls();
  }

  private show(tab: Tab): void {
    for (const [name, button] of this.tabs) {
      button.classList.toggle('on', name === tab);
      button.setAttribute('aria-selected', String(name === tab));
      this.panes[name].hidden = name !== tab;
    }
  }

  /** Words: after a change of language. */
  renderControls(): void {
    for (const [s, item] of this.legendItems) setText(item.label, tEnum('state', s));
    const labels: Record<string, Parameters<typeof t>[0]> = {
      free: 'yard.freeBays',
      trucks: 'yard.trucks',
      awaiting: 'yard.awaiting',
      overdue: 'yard.overdue',
      unknown: 'yard.unknown',
    };
    for (const [key, row] of this.totalRows) setText(row.dt, t(labels[key] ?? 'yard.unknown'));
    this.renderTabs();
    this.renderCounts();
  }

  /** The tabs' labels, with the number of results due and of alerts. */
  renderTabs(): void {
    const words: Record<Tab, string> = {
      states: t('yard.tabStates'),
      due: t('yard.tabDue', { n: this.dueCount }),
      alerts: t('yard.alerts', { n: this.o.alertCount() }),
      dwell: t('yard.dwell'),
    };
    for (const [name, button] of this.tabs) setText(button, words[name]);
  }

  /** The counts and totals (after changes, at most once a frame). */
  renderCounts(): void {
    const m = this.o.model;
    for (const [s, item] of this.legendItems) {
      setText(item.count, String(m.total[s]));
      const on = m.filters.states.has(s);
      item.button.classList.toggle('on', on);
      item.button.setAttribute('aria-pressed', String(on));
    }
    const s = m.summary;
    const set = (key: string, value: string | undefined) => {
      const row = this.totalRows.get(key);
      if (!row) return;
      row.dt.hidden = row.dd.hidden = value === undefined;
      setText(row.dd, value ?? '');
    };
    set('free', String(m.total.free));
    set('trucks', s ? String(s.trucks) : '—');
    set('awaiting', s ? String(s.awaiting) : '—');
    set('overdue', s ? String(s.overdue) : '—');
    set('unknown', m.total.unknown > 0 ? String(m.total.unknown) : undefined);
  }

  private toggleState(s: BayState): void {
    const m = this.o.model;
    const states = new Set(m.filters.states);
    if (states.has(s)) states.delete(s);
    else states.add(s);
    m.filters = { ...m.filters, states };
    this.o.onFilter();
    this.renderCounts();
  }

  /** The countdowns and dwell times (every second). */
  renderClock(): void {
    const m = this.o.model;
    const now = this.o.now();
    const due = m.due(now);
    const overdue = due.filter((d) => d.overdue).length;
    const shown = due.length > this.fit ? Math.max(1, this.fit - 1) : this.fit;
    this.due.update(
      due.slice(0, shown),
      (d) => [
        d.bay,
        d.plate ?? '—',
        tEnum('sample', d.kind),
        countdown(d.overdue ? Math.min(d.dueAt, now) : d.dueAt, now),
      ],
      (d) => (d.overdue ? 'overdue' : ''),
      t('yard.noneDue'),
    );
    setText(this.dueMore, due.length > shown ? t('yard.moreDue', { n: due.length - shown, overdue }) : '');
    if (due.length !== this.dueCount) {
      this.dueCount = due.length;
      this.renderTabs();
    }
    const units = { min: t('unit.min'), h: t('unit.h') };
    const d = m.summary?.dwellMinutes;
    setText(
      this.dwellStats,
      d && d.count > 0
        ? t('yard.dwellStats', {
            p50: dwell(d.p50 * 60_000, units),
            p90: dwell(d.p90 * 60_000, units),
            max: dwell(d.max * 60_000, units),
          })
        : t('yard.noDwell'),
    );
    this.longest.update(
      m.longestDwell(Math.min(3, this.fit)),
      (x) => [x.bay, x.plate ?? '—', x.arrivedAt ? dwell(now - x.arrivedAt, units) : '—'],
      () => '',
      '',
    );
  }
}
