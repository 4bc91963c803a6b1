import type { PlateColour } from '../../../../core/plate-colour.ts';
import { h } from '../shared/dom.ts';
import { t } from '../shared/i18n.ts';
import './plate-colour-keys.css';

/**
 * A plate's colour by touch, for a hand registration: a big key for each national toll colour
 * (core/plate-colour.ts; `undetermined` is what a camera says, staff leave the colour out
 * instead), each with its colour as a swatch, then "not given" and enter. The colour goes into
 * the field's `data-colour`; the field shows its name in the screen's language.
 */
export const KIOSK_PLATE_COLOURS: readonly PlateColour[] = [
  'yellow',
  'blue',
  'yellow-green',
  'gradient-green',
  'white',
  'black',
  'blue-white',
  'green',
  'red',
  'temporary',
];

const PER_ROW = 5;

/** Shows `colour` (or none) in the field. */
export function showColour(field: HTMLInputElement, colour: PlateColour | undefined): void {
  if (colour) field.dataset.colour = colour;
  else delete field.dataset.colour;
  field.value = colour ? t(`plateColour.${colour}`) : t('register.colourNone');
}

/** The colour the field holds, if any. */
export function colourOf(field: HTMLInputElement): PlateColour | undefined {
  const c = field.dataset.colour as PlateColour | undefined;
  return c && KIOSK_PLATE_COLOURS.includes(c) ? c : undefined;
}

export function plateColourKeys(field: HTMLInputElement, onEnter: () => void): HTMLElement {
  field.readOnly = true;
  field.setAttribute('inputmode', 'none');
  const pick = (c: PlateColour | undefined) => {
    showColour(field, c);
    for (const k of keys) k.classList.toggle('key-picked', k.dataset.key === (c ?? 'none'));
  };
  const key = (id: string, label: string, onclick: () => void, cls = '') =>
    h('button', { type: 'button', class: `key key-colour ${cls}`, dataset: { key: id }, onclick }, label);
  const keys = KIOSK_PLATE_COLOURS.map((c) =>
    key(c, t(`plateColour.${c}`), () => pick(c), `plate-swatch plate-swatch-${c}`),
  );
  const rows: HTMLElement[] = [];
  for (let i = 0; i < keys.length; i += PER_ROW)
    rows.push(h('div', { class: 'keyboard-row' }, keys.slice(i, i + PER_ROW)));
  const none = key('none', t('register.colourNone'), () => pick(undefined), 'key-wide');
  keys.push(none);
  rows.push(
    h('div', { class: 'keyboard-row' }, none, key('enter', t('key.enter'), onEnter, 'key-wide key-enter')),
  );
  pick(colourOf(field));
  return h('div', { class: 'keyboard keyboard-colours', role: 'group' }, rows);
}
