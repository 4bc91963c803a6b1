import { h, setText } from '../shared/dom.ts';
import { t } from '../shared/i18n.ts';

/**
 * The strip under the map: the zoom (the whole yard on screen, or bays big enough for a finger,
 * numbered, the map scrolling); and the place kept for notices at the foot of the side column.
 * Notices (toasts) are shown there only (yard.css puts the page's toast box over it), so a
 * notice never covers a bay or a button, and nothing moves when one comes or goes.
 */
export class MapBar {
  readonly el: HTMLElement;
  /** The empty frame that the notices are shown over. */
  readonly toastSlot = h('div', { class: 'toast-slot', dataset: { testid: 'toast-slot' } });
  private readonly fit: HTMLButtonElement;
  private readonly large: HTMLButtonElement;

  constructor(private readonly onZoom: (on: boolean) => void) {
    const button = (testid: string, on: boolean) =>
      h('button', {
        type: 'button',
        class: 'btn zoom-button',
        dataset: { testid },
        onclick: () => this.zoom(on),
      });
    this.fit = button('zoom-fit', false);
    this.large = button('zoom-large', true);
    this.el = h('div', { class: 'map-bar' }, this.fit, this.large);
    this.zoom(false);
  }

  private zoom(on: boolean): void {
    this.fit.classList.toggle('on', !on);
    this.large.classList.toggle('on', on);
    this.fit.setAttribute('aria-pressed', String(!on));
    this.large.setAttribute('aria-pressed', String(on));
    this.onZoom(on);
    this.render();
  }

  /** Words, after a change of language. */
  render(): void {
    setText(this.fit, t('yard.zoomFit'));
    setText(this.large, t('yard.zoomLarge'));
    this.toastSlot.setAttribute('aria-label', t('yard.toastArea'));
  }
}
