import { h, setText, setVariant } from '../shared/dom.ts';
import { clockTime } from '../shared/format.ts';
import { t } from '../shared/i18n.ts';
import { wordAlarm } from './alarm-words.ts';
import type { AttentionItem } from './attention.ts';

/**
 * After an acknowledgement the button takes no tap until the next item has been on the screen
 * this long (the yard's confirm button waits 400 ms the same way): a double tap clears one alarm,
 * and the second fever is seen before it can be acknowledged.
 */
export const ACK_SETTLE_MS = 500;

function itemKey(item: AttentionItem | undefined): string {
  if (!item) return '';
  return item.kind === 'alarm'
    ? `alarm:${item.alarm.id}`
    : item.kind === 'review'
      ? `review:${item.transitId}`
      : item.kind;
}

/**
 * The attention strip at the top of the kiosk: the most urgent thing (an alarm, the gateway
 * lost, a truck waiting for REVIEW) in the screen's language, what to do, how many more, and one
 * big button: acknowledge this alarm (a fever or an isolation one by one; the lane's and the
 * devices' alarms together), or silence the gateway-lost and REVIEW sounds. Its height is
 * reserved when nothing is open (a calm line), so nothing below it moves when it lights up.
 */
export class AttentionBanner {
  readonly el: HTMLElement;
  private readonly title = h('div', { class: 'attn-title', dataset: { testid: 'alarm-kind' } });
  private readonly what = h('div', { class: 'attn-what', dataset: { testid: 'alarm-message' } });
  private readonly todo = h('div', { class: 'attn-todo', dataset: { testid: 'alarm-todo' } });
  private readonly more = h('div', { class: 'attn-more', dataset: { testid: 'alarm-more' } });
  private readonly ackBtn = h('button', {
    type: 'button',
    class: 'btn btn-ack',
    dataset: { testid: 'alarm-ack' },
  });
  private top: AttentionItem | undefined;
  /** Acknowledged: taps wait until the next item has settled on screen. */
  private acked = false;
  private shownKey = '';
  private armTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    onAck: (item: AttentionItem) => void,
    private readonly lane: string,
  ) {
    this.ackBtn.addEventListener('click', () => {
      if (!this.top || this.acked || this.ackBtn.disabled) return;
      this.acked = true;
      this.ackBtn.disabled = true;
      onAck(this.top);
    });
    this.el = h(
      'section',
      { class: 'attention', role: 'alert', dataset: { testid: 'alarm-banner' } },
      h(
        'div',
        { class: 'attn-text' },
        h('div', { class: 'attn-head' }, this.title, this.more),
        this.what,
        this.todo,
      ),
      this.ackBtn,
    );
  }

  /** A new item on screen (after an acknowledgement): the button waits ACK_SETTLE_MS for it. */
  private settle(key: string): void {
    if (key === this.shownKey) return;
    this.shownKey = key;
    if (!this.acked) return; // nothing acknowledged before it: live at once
    this.acked = false;
    clearTimeout(this.armTimer);
    this.armTimer = setTimeout(() => {
      this.ackBtn.disabled = false;
    }, ACK_SETTLE_MS);
  }

  update(items: readonly AttentionItem[], ackBatch: number): void {
    const top = items[0];
    this.top = top;
    this.settle(itemKey(top));
    this.el.dataset.state = top ? top.kind : 'none';
    this.el.dataset.sound = top && !top.silenced ? top.sound : 'none';
    setVariant(this.el, 'attn', top ? (top.silenced ? 'quiet' : top.sound) : 'none');
    // The button keeps its place (and size) when there is nothing to acknowledge: hidden, not removed.
    this.ackBtn.style.visibility = top && !top.silenced ? 'visible' : 'hidden';
    setText(this.more, items.length > 1 ? t('attn.more', { n: items.length - 1 }) : '');
    if (!top) {
      setText(this.title, t('attn.none'));
      setText(this.what, '');
      setText(this.todo, '');
      return;
    }
    switch (top.kind) {
      case 'alarm': {
        const w = wordAlarm(top.alarm.kind, top.alarm.params, this.lane);
        this.el.dataset.kind = top.alarm.kind;
        setText(this.title, w.title);
        setText(this.what, `${clockTime(top.alarm.at)}  ${w.what}`);
        setText(this.todo, w.todo);
        setText(this.ackBtn, ackBatch > 1 ? t('attn.ackN', { n: ackBatch }) : t('attn.ack'));
        return;
      }
      case 'gateway':
        this.el.dataset.kind = 'gateway-lost';
        setText(this.title, t('attn.gatewayTitle'));
        setText(this.what, t('attn.gatewayWhat'));
        setText(this.todo, t('attn.gatewayDo'));
        setText(this.ackBtn, t('attn.silence'));
        return;
      case 'review':
        this.el.dataset.kind = 'review';
        setText(this.title, t('attn.reviewTitle'));
        setText(this.what, t('attn.reviewWhat', { plate: top.plate ?? t('attn.noPlate') }));
        setText(this.todo, t('attn.reviewDo'));
        setText(this.ackBtn, t('attn.silence'));
        return;
    }
  }
}
