import { h, setText, setVariant } from '../shared/dom.ts';
import { t } from '../shared/i18n.ts';
import type { CurrentTruck } from './lane-model.ts';

/**
 * The big banner: PASS, YARD (with the bay to drive to), ISOLATE (with its bay), REVIEW, or
 * "checking" while a truck waits for its decision, "waiting" with no truck. Colour and words
 * both carry the outcome.
 */
export class DecisionBanner {
  readonly el: HTMLElement;
  private readonly word = h('div', { class: 'banner-word', dataset: { testid: 'outcome' } });
  private readonly detail = h('div', { class: 'banner-detail', dataset: { testid: 'banner-detail' } });

  constructor() {
    this.el = h(
      'section',
      { class: 'decision-banner', dataset: { testid: 'decision-banner' } },
      this.word,
      this.detail,
    );
  }

  update(truck: CurrentTruck | undefined): void {
    const d = truck?.decision;
    const variant = d ? d.outcome : truck ? 'checking' : 'waiting';
    setVariant(this.el, 'outcome', variant);
    this.el.dataset.outcome = variant;
    if (!truck) {
      setText(this.word, t('banner.waiting'));
      setText(this.detail, '');
      return;
    }
    if (!d) {
      setText(this.word, t('banner.checking'));
      setText(this.detail, truck.plate ?? '');
      return;
    }
    switch (d.outcome) {
      case 'PASS':
        setText(this.word, t('banner.PASS'));
        // A receiving truck of a hand-over is sent to its bay (decision-steps.ts toReceivingBay).
        setText(this.detail, d.bay ? t('banner.toHandoverBay', { bay: d.bay }) : t('banner.passDetail'));
        break;
      case 'YARD':
        setText(this.word, t('banner.YARD'));
        setText(this.detail, d.bay ? t('banner.toBay', { bay: d.bay }) : t('banner.noBay'));
        break;
      case 'ISOLATE':
        setText(this.word, t('banner.ISOLATE'));
        setText(this.detail, d.bay ? t('banner.toIsolationBay', { bay: d.bay }) : t('banner.isolateDetail'));
        break;
      case 'REVIEW':
        setText(this.word, t('banner.REVIEW'));
        setText(this.detail, t('banner.reviewDetail'));
        break;
    }
  }
}
