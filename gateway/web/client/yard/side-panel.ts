import { BAY_STATES, type BayState } from '../../../yard/payloads.ts';
import { h, mount, setText } from '../shared/dom.ts';
import { dwell } from '../shared/format.ts';
import { t, tEnum } from '../shared/i18n.ts';
import { RowList } from '../shared/row-list.ts';
import { STATE_COLORS } from './bay-colors.ts';
import { countdown } from './time-words.ts';
import type { DueSample, YardModel } from './yard-model.ts';

/**
 * Beside the map, below the plate search: the legend, which is also the state filter (tap a
 * state to show only it), the zone filter, the totals, the results due and overdue with their
 * countdowns in words ("9 min 28 s left", "overdue +2 min"), the alerts and the dwell times. Controls are built once and
 * updated in place (a burst of changes or a countdown never replaces a button under a finger);
 * `renderControls` rebuilds the zone buttons after a change of language or filter only.
 */
const DUE_ROWS = 10;

export interface SidePanelOptions {
  model: YardModel;
  now: () => number;
  onFilter: () => void;
  onPick: (bay: string) => void;
  /** The alert list, shown below the results due. */
  alerts: HTMLElement;
}

type Dwelling = { bay: string; plate: string | undefined; arrivedAt: number };

export class SidePanel {
  readonly el: HTMLElement;
  private readonly legend = h('ul', { class: 'legend', dataset: { testid: 'legend' } });
  private readonly legendItems = new Map<
    BayState,
    { button: HTMLElement; label: HTMLElement; count: HTMLElement }
  >();
  private readonly zones = h('div', { class: 'zone-filter' });
  private readonly totals = h('dl', { class: 'totals', dataset: { testid: 'totals' } });
  private readonly totalRows = new Map<string, { dt: HTMLElement; dd: HTMLElement }>();
  private readonly due: RowList<DueSample>;
  private readonly dueMore = h('p', { class: 'empty' });
  private readonly dwellStats = h('p', { dataset: { testid: 'dwell' } });
  private readonly longest: RowList<Dwelling>;
  private readonly titles = { filter: h('h3'), due: h('h3'), dwell: h('h3') };

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
    this.el = h(
      'aside',
      { class: 'side-panel' },
      this.titles.filter,
      this.legend,
      this.zones,
      this.totals,
      this.titles.due,
      this.due.el,
      this.dueMore,
      o.alerts,
      this.titles.dwell,
      this.dwellStats,
      this.longest.el,
    );
    this.renderControls();
  }

  /** Words and the zone buttons: after a change of language or of the zone filter. */
  renderControls(): void {
    const m = this.o.model;
    setText(this.titles.filter, t('yard.legend'));
    setText(this.titles.due, t('yard.due'));
    setText(this.titles.dwell, t('yard.dwell'));
    for (const [s, item] of this.legendItems) setText(item.label, tEnum('state', s));
    const labels: Record<string, Parameters<typeof t>[0]> = {
      free: 'yard.freeBays',
      trucks: 'yard.trucks',
      awaiting: 'yard.awaiting',
      overdue: 'yard.overdue',
      unknown: 'yard.unknown',
    };
    for (const [key, row] of this.totalRows) setText(row.dt, t(labels[key] ?? 'yard.unknown'));
    const zoneButton = (id: string | undefined, label: string) =>
      h(
        'button',
        {
          type: 'button',
          class: `btn zone-button${m.filters.zone === id ? ' on' : ''}`,
          dataset: { testid: `zone-${id ?? 'all'}` },
          onclick: () => {
            m.filters = { ...m.filters, zone: id };
            this.o.onFilter();
            this.renderControls();
          },
        },
        label,
      );
    mount(
      this.zones,
      zoneButton(undefined, t('yard.allZones')),
      m.zones.filter((z) => z.bays.length > 0).map((z) => zoneButton(z.id, tEnum('zoneKind', z.kind))),
    );
    this.renderCounts();
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
    this.due.update(
      due.slice(0, DUE_ROWS),
      (d) => [
        d.bay,
        d.plate ?? '—',
        tEnum('sample', d.kind),
        countdown(d.overdue ? Math.min(d.dueAt, now) : d.dueAt, now),
      ],
      (d) => (d.overdue ? 'overdue' : ''),
      t('yard.noneDue'),
    );
    setText(
      this.dueMore,
      due.length > DUE_ROWS ? t('yard.moreDue', { n: due.length - DUE_ROWS, overdue }) : '',
    );
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
      m.longestDwell(3),
      (x) => [x.bay, x.plate ?? '—', dwell(now - x.arrivedAt, units)],
      () => '',
      '',
    );
  }
}
