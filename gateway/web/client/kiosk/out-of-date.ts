import { h, setText } from '../shared/dom.ts';
import { clockTime } from '../shared/format.ts';
import { t } from '../shared/i18n.ts';

/**
 * Marks a kiosk panel as out of date while the gateway is lost: dimmed (class `out-of-date`)
 * and a small "last update HH:MM:SS" tag in its corner, laid over the panel (absolutely
 * placed), so nothing in it moves. A green PASS from before the loss must not read as now.
 */
export class OutOfDateMark {
  private readonly tag = h('div', {
    class: 'out-of-date-tag',
    hidden: true,
    dataset: { testid: 'out-of-date' },
  });

  constructor(private readonly el: HTMLElement) {
    el.classList.add('has-age-tag');
    el.append(this.tag);
  }

  /** `since`: when the data was last live (undefined: live now). */
  update(since: number | undefined): void {
    this.el.classList.toggle('out-of-date', since !== undefined);
    this.tag.hidden = since === undefined;
    if (since !== undefined) setText(this.tag, t('stale.outOfDate', { time: clockTime(since) }));
  }
}
