import { h, setText } from '../shared/dom.ts';
import { t } from '../shared/i18n.ts';

/**
 * The strip under the map: the zoom (the whole yard on screen, or bays big enough for a finger,
 * numbered, the map scrolling) and the zone filter; and the place kept for notices at the foot of
 * the side column. Notices (toasts) are shown there only (yard.css puts the page's toast box
 * over it), so a notice never covers a bay or a button, and nothing moves when one comes or goes.
 */
export class MapBar {
  readonly el: HTMLElement;
  /** The empty frame that the notices are shown over. */
  readonly toastSlot = h('div', { class: 'toast-slot', dataset: { testid: 'toast-slot' } });
  private readonly zoomButton = h('button', {
    type: 'button',
    class: 'btn zoom-button',
    dataset: { testid: 'zoom' },
  });
  private zoomed = false;

  constructor(
    private readonly onZoom: (on: boolean) => void,
    zones: HTMLElement,
  ) {
    this.zoomButton.addEventListener('click', () => this.zoom(!this.zoomed));
    this.el = h('div', { class: 'map-bar' }, this.zoomButton, zones);
    this.render();
  }

  private zoom(on: boolean): void {
    this.zoomed = on;
    this.onZoom(on);
    this.render();
  }

  /** Words, after a change of language or of the zoom: the button says what a tap does. */
  render(): void {
    setText(this.zoomButton, this.zoomed ? t('yard.zoomFit') : t('yard.zoomLarge'));
    this.zoomButton.classList.toggle('on', this.zoomed);
    this.zoomButton.setAttribute('aria-pressed', String(this.zoomed));
    this.toastSlot.setAttribute('aria-label', t('yard.toastArea'));
  }
}
