import { toast } from '../shared/dialog.ts';
import { h, setText } from '../shared/dom.ts';
import { t } from '../shared/i18n.ts';
import { RowList } from '../shared/row-list.ts';
import type { YardModel } from './yard-model.ts';

/**
 * The plate search at the top of the side column, always on screen: the field, a clear (×) chip
 * and the keypad toggle in one row; the keypad below it (seven keys a row, so that it fits the
 * column: digits, the plate letters A-Z without I and O, backspace; the ⌨ toggle or picking a
 * truck closes it); the matching trucks
 * below the keypad, so that a match appearing never moves a key under the finger. The search
 * matches any part of a plate, so the province character is not needed. When the trucks found
 * leave the yard (released, or the reservation lapsed) and none matches any more, the filter is
 * cleared and the field says "<plate> has left the yard".
 */
// biome-ignore format: the keypad's rows
const KEY_ROWS = [
  ['1', '2', '3', '4', '5', '6', '7'],
  ['8', '9', '0', 'A', 'B', 'C', 'D'],
  ['E', 'F', 'G', 'H', 'J', 'K', 'L'],
  ['M', 'N', 'P', 'Q', 'R', 'S', 'T'],
  ['U', 'V', 'W', 'X', 'Y', 'Z', '⌫'],
];
/** A truck found that is no longer in the yard: waited for this long (a move is two bay updates). */
const GONE_MS = 1_500;

export interface PlateSearchOptions {
  model: YardModel;
  onFilter: () => void;
  onPick: (bay: string) => void;
  /** The keypad opened or closed (the column lays itself out for it). */
  onKeypad: (open: boolean) => void;
}

export class PlateSearch {
  readonly row: HTMLElement;
  readonly keypad: HTMLElement;
  readonly matches: RowList<string>;
  private readonly input = h('input', {
    class: 'field-input search-input',
    maxlength: 16,
    inputmode: 'none',
    autocomplete: 'off',
    dataset: { testid: 'plate-search' },
  });
  private readonly clearChip = h('button', {
    type: 'button',
    class: 'btn search-clear',
    dataset: { testid: 'search-clear' },
  });
  private readonly kbToggle = h('button', {
    type: 'button',
    class: 'btn search-kb',
    dataset: { testid: 'search-keyboard' },
  });
  /** Plates found at the last look, and when none was found any more after some were. */
  private found: string[] = [];
  private goneTimer: ReturnType<typeof setTimeout> | undefined;
  private note: string | undefined;

  constructor(private readonly o: PlateSearchOptions) {
    this.matches = new RowList(
      { class: 'matches', testid: 'search-matches' },
      ['due-plate', 'due-bay'],
      (bay) => o.onPick(bay),
    );
    const keys = KEY_ROWS.flat().map((key) =>
      h(
        'button',
        {
          type: 'button',
          class: 'key',
          dataset: { key },
          onclick: () => this.type(key),
        },
        key,
      ),
    );
    this.keypad = h('div', { class: 'search-keypad', role: 'group', hidden: true }, keys);
    this.row = h('div', { class: 'search-row' }, this.input, this.clearChip, this.kbToggle);
    this.clearChip.addEventListener('click', () => this.set(''));
    this.kbToggle.addEventListener('click', () => this.showKeypad(this.keypad.hidden === true));
    this.input.addEventListener('click', () => this.showKeypad(true));
    this.input.addEventListener('input', () => this.set(this.input.value, true));
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') this.showKeypad(false);
    });
    this.renderControls();
  }

  get keypadOpen(): boolean {
    return !this.keypad.hidden;
  }

  showKeypad(open: boolean): void {
    if (this.keypad.hidden !== open) return;
    this.keypad.hidden = !open;
    this.kbToggle.classList.toggle('on', open);
    this.o.onKeypad(open);
  }

  private type(key: string): void {
    const v = this.input.value;
    if (key === '⌫') this.set(v.slice(0, -1));
    else if (v.length < this.input.maxLength) this.set(v + key);
  }

  /** Sets the search text (typed, or cleared) and filters the map by it. */
  private set(text: string, typed = false): void {
    if (!typed) this.input.value = text;
    this.note = undefined;
    clearTimeout(this.goneTimer);
    this.goneTimer = undefined;
    const m = this.o.model;
    m.filters = { ...m.filters, plate: text.trim() };
    this.found = [];
    this.o.onFilter();
    this.renderMatches();
    this.renderControls();
  }

  /** Words, after a change of language. */
  renderControls(): void {
    this.input.placeholder = this.note ?? t('yard.searchHint');
    this.clearChip.setAttribute('aria-label', t('yard.searchClear'));
    setText(this.clearChip, '×');
    // The chip keeps its place when there is nothing to clear: the field never changes width.
    this.clearChip.style.visibility = this.input.value ? 'visible' : 'hidden';
    setText(this.kbToggle, '⌨');
    this.kbToggle.setAttribute('aria-label', t('yard.keyboard'));
  }

  /** The trucks found (after bay changes, at most once a frame). */
  renderMatches(): void {
    const m = this.o.model;
    const q = m.filters.plate;
    const bays = m.search(q);
    this.matches.update(
      bays,
      (bay) => [m.views.get(bay)?.truck?.plate ?? '', bay],
      () => '',
      q ? t('yard.noMatch') : '',
    );
    this.matches.el.hidden = !q;
    if (!q) return;
    if (bays.length > 0) {
      this.found = bays.map((b) => m.views.get(b)?.truck?.plate ?? '');
      clearTimeout(this.goneTimer);
      this.goneTimer = undefined;
    } else if (this.found.length > 0 && this.goneTimer === undefined) {
      const gone = this.found.join(', ');
      this.goneTimer = setTimeout(() => {
        this.goneTimer = undefined;
        if (m.search(m.filters.plate).length > 0) return;
        this.set('');
        this.note = t('yard.leftYard', { plate: gone });
        this.renderControls();
        toast(this.note, 'ok');
      }, GONE_MS);
    }
  }
}
