import { h, mount } from '../shared/dom.ts';
import { celsius, clockTime } from '../shared/format.ts';
import { currentLang, t, tEnum } from '../shared/i18n.ts';
import type { KioskAlarm } from './alarms.ts';
import type { LaneModel } from './lane-model.ts';

/** The alarm log (the last three) and the last transits of the lane (time, plate, outcome). */
export class RecentList {
  readonly el: HTMLElement;
  private readonly transits = h('ol', { class: 'recent-list', dataset: { testid: 'recent' } });
  private readonly alarms = h('ol', { class: 'alarm-log', dataset: { testid: 'alarm-log' } });
  private readonly titles = {
    transits: h('h3'),
    alarms: h('h3'),
    action: h('p', { class: 'last-action', dataset: { testid: 'last-action' } }),
  };

  constructor() {
    this.el = h(
      'section',
      { class: 'panel recent-panel' },
      // The alarm log first: on a small screen the panel cuts what does not fit, from the end.
      this.titles.alarms,
      this.alarms,
      this.titles.transits,
      this.transits,
      this.titles.action,
    );
  }

  update(model: LaneModel, alarms: readonly KioskAlarm[], feverC: number): void {
    this.titles.transits.textContent = t('recent.title');
    this.titles.alarms.textContent = t('alarms.log');
    mount(
      this.transits,
      model.recent.length === 0
        ? h('li', { class: 'empty' }, t('recent.none'))
        : model.recent.map((r) =>
            h(
              'li',
              { class: `recent outcome-${r.outcome ?? 'none'}` },
              h('span', { class: 'recent-time' }, clockTime(r.at)),
              h('span', { class: 'recent-plate' }, r.plate ?? '—'),
              h('span', { class: 'recent-outcome' }, r.outcome ? tEnum('outcome', r.outcome) : '…'),
              h('span', { class: 'recent-bay' }, r.bay ?? ''),
              h(
                'span',
                {
                  class: `recent-temp${r.temperatureC !== undefined && r.temperatureC >= feverC ? ' fever' : ''}`,
                },
                r.temperatureC === undefined ? '' : celsius(r.temperatureC),
              ),
              h(
                'span',
                { class: 'recent-by' },
                r.by === 'staff' ? t('recent.byStaff', { id: r.staffId ?? '?' }) : '',
              ),
            ),
          ),
    );
    const a = model.lastAction;
    this.titles.action.textContent = a
      ? t(a.ok ? 'action.lastOk' : 'action.lastRefused', {
          time: clockTime(a.at),
          id: a.staffId,
          action: tEnum('action', a.action),
          // The gateway's words are English: on the Chinese screen a mark says how it went.
          detail: currentLang() === 'en' ? a.detail : a.ok ? '✓' : '✗',
        })
      : '';
    mount(
      this.alarms,
      alarms
        .slice(0, 3)
        .map((x) =>
          h(
            'li',
            { class: x.ackedBy || x.endedAt ? 'acked' : 'open' },
            `${clockTime(x.at)} ${tEnum('alarm', x.kind)}`,
            x.ackedBy
              ? ` — ${t('alarms.ackedBy', { id: x.ackedBy, time: clockTime(x.ackedAt ?? x.at) })}`
              : x.endedAt
                ? ` — ${t('alarms.ended', { time: clockTime(x.endedAt) })}`
                : '',
          ),
        ),
    );
  }
}
