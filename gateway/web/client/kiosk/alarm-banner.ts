import type { AlarmSound } from '../shared/alarm-sound.ts';
import { h, setText } from '../shared/dom.ts';
import { clockTime } from '../shared/format.ts';
import { t, tEnum } from '../shared/i18n.ts';
import type { AlarmList } from './alarms.ts';

/**
 * Loud alarms: a flashing banner over the top of the kiosk with the newest open alarm, how many
 * more are open, and one big button to acknowledge them; the beep repeats until then.
 */
export class AlarmBanner {
  readonly el: HTMLElement;
  private readonly kind = h('div', { class: 'alarm-kind', dataset: { testid: 'alarm-kind' } });
  private readonly message = h('div', { class: 'alarm-message', dataset: { testid: 'alarm-message' } });
  private readonly more = h('div', { class: 'alarm-more' });
  private readonly ackBtn = h('button', {
    type: 'button',
    class: 'btn btn-ack',
    dataset: { testid: 'alarm-ack' },
  });

  constructor(
    private readonly alarms: AlarmList,
    private readonly sound: AlarmSound,
    staffId: () => string,
  ) {
    this.ackBtn.addEventListener('click', () => alarms.ack(staffId()));
    this.el = h(
      'section',
      { class: 'alarm-banner', role: 'alert', hidden: true, dataset: { testid: 'alarm-banner' } },
      h('div', { class: 'alarm-text' }, this.kind, this.message, this.more),
      this.ackBtn,
    );
  }

  update(): void {
    const open = this.alarms.open();
    const top = open[0];
    this.el.hidden = !top;
    if (!top) {
      this.sound.stop();
      return;
    }
    this.el.dataset.kind = top.kind;
    setText(this.kind, tEnum('alarm', top.kind));
    setText(this.message, `${clockTime(top.at)}  ${top.plate ? `${top.plate} · ` : ''}${top.message}`);
    setText(this.more, open.length > 1 ? t('alarms.more', { n: open.length - 1 }) : '');
    setText(this.ackBtn, open.length > 1 ? t('alarms.ackAll', { n: open.length }) : t('alarms.ack'));
    this.sound.start();
  }
}
