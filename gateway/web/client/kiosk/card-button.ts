import type { CardDesk } from '../shared/card-desk.ts';
import { h, setText } from '../shared/dom.ts';
import { t } from '../shared/i18n.ts';

/**
 * "Issue card" at the kiosk, beside the plate in the truck panel: a printed card for the driver of
 * the lane's current truck, or of its last one once it has gone (a driver without a phone is the
 * one registered by hand, whose plate the panel shows), once it is decided (PASS, YARD or
 * ISOLATE). Always in its place; off while there is no such truck, the gateway is lost, the page
 * is locked or the account is read-only.
 */
export class CardButton {
  readonly el: HTMLButtonElement;
  private plate: string | undefined;

  constructor(
    private readonly desk: CardDesk,
    private readonly lane: string,
  ) {
    this.el = h('button', {
      type: 'button',
      class: 'btn btn-card',
      dataset: { testid: 'action-card' },
      onclick: () => this.desk.issue(this.plate, { lane: this.lane }),
    });
  }

  /** `truck`: a decided truck to issue for; `plate`: its plate; `off`: every button is. */
  update(o: { truck: boolean; plate: string | undefined; off: boolean }): void {
    this.plate = o.plate;
    setText(this.el, t('card.issue'));
    this.el.disabled = o.off || !o.truck;
  }
}
