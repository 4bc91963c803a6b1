import type { PlateColour } from '../../../../core/plate-colour.ts';
import { openDialog, toast } from '../shared/dialog.ts';
import { h, mount } from '../shared/dom.ts';
import { type StringKey, t } from '../shared/i18n.ts';
import { keyboard } from '../shared/keyboard.ts';
import { placeKeys } from './place-keys.ts';
import { colourOf, plateColourKeys } from './plate-colour-keys.ts';

/**
 * Registering a person by hand (no phone): the vehicle (plate, the plate's colour, the trailer's
 * plate), name, ID number, origin and destination, each with its on-screen input for gloved hands
 * (plate keyboard, big colour keys, letter keyboard for the name in pinyin, ID-number keypad, a
 * keypad of place names). The fields sit on the left, the keyboard
 * of the field being filled on the right, so the dialog fits a 1024×600 screen.
 */
export interface Registration {
  plate: string;
  plateColour?: PlateColour;
  trailerPlate?: string;
  name: string;
  idNumber: string;
  origin?: string;
  destination?: string;
}

export const PLATE_MAX = 10;

export function openRegisterDialog(submit: (r: Registration) => Promise<boolean>): void {
  const input = (testid: string, maxlength: number) =>
    h('input', { class: 'field-input', maxlength, dataset: { testid } });
  // A plate is 7 characters (a province, a letter, five more, a trailer's 挂 among them) or 8
  // (new-energy); 10 leaves room for the odd format (a foreign or temporary plate) and still fits
  // the field whole at 1024x600, so what was typed can be checked before it is sent.
  const plate = input('reg-plate', PLATE_MAX);
  plate.classList.add('plate-input');
  const colour = input('reg-colour', 32);
  colour.classList.add('colour-input');
  const trailer = input('reg-trailer', PLATE_MAX);
  trailer.classList.add('plate-input');
  const name = input('reg-name', 64);
  const idNumber = input('reg-id', 32);
  const origin = input('reg-origin', 64);
  const destination = input('reg-destination', 64);
  const order = [plate, colour, trailer, name, idNumber, origin, destination];
  const next = (el: HTMLInputElement) => () => order[order.indexOf(el) + 1]?.focus();
  const boards = new Map<HTMLInputElement, HTMLElement>([
    [plate, keyboard('plate', plate, { onEnter: next(plate) })],
    [colour, plateColourKeys(colour, next(colour))],
    [trailer, keyboard('plate', trailer, { onEnter: next(trailer) })],
    [name, keyboard('alnum', name, { onEnter: next(name) })],
    [idNumber, keyboard('idnumber', idNumber, { onEnter: next(idNumber) })],
    [origin, placeKeys(origin, next(origin))],
    [destination, placeKeys(destination, () => destination.blur())],
  ]);
  const kbSlot = h('div', { class: 'keyboard-slot', dataset: { testid: 'reg-keyboard' } });
  const fields: HTMLElement[] = [];
  const field = (label: StringKey, el: HTMLInputElement) => {
    const f = h('label', { class: 'field' }, h('span', null, t(label)), el);
    fields.push(f);
    el.addEventListener('focus', () => {
      for (const x of fields) x.classList.toggle('field-active', x === f);
      mount(kbSlot, boards.get(el));
    });
    return f;
  };
  openDialog({
    title: t('register.title'),
    class: 'dialog-wide dialog-register',
    body: h(
      'div',
      { class: 'register-layout' },
      h(
        'div',
        { class: 'form register-fields' },
        field('register.plate', plate),
        field('register.colour', colour),
        field('register.trailer', trailer),
        field('register.name', name),
        field('register.idNumber', idNumber),
        field('register.origin', origin),
        field('register.destination', destination),
      ),
      kbSlot,
    ),
    actions: [
      { label: t('dialog.cancel'), onClick: () => true },
      {
        label: t('register.submit'),
        kind: 'primary',
        onClick: async () => {
          if (!plate.value.trim() || !name.value.trim() || idNumber.value.trim().length < 4) {
            toast(t('register.missing'), 'error');
            return false;
          }
          const plateColour = colourOf(colour);
          return submit({
            plate: plate.value.trim(),
            ...(plateColour ? { plateColour } : {}),
            ...(trailer.value.trim() ? { trailerPlate: trailer.value.trim() } : {}),
            name: name.value.trim(),
            idNumber: idNumber.value.trim(),
            ...(origin.value.trim() ? { origin: origin.value.trim() } : {}),
            ...(destination.value.trim() ? { destination: destination.value.trim() } : {}),
          });
        },
      },
    ],
  });
  plate.focus();
}
