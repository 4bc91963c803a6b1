import { HAND_METHODS, type HandReading, toCelsius } from '../../../lanes/temperature-reading.ts';
import { openDialog, toast } from '../shared/dialog.ts';
import { h, mount } from '../shared/dom.ts';
import { t, tEnum } from '../shared/i18n.ts';
import { keyboard } from '../shared/keyboard.ts';

/** The values a hand-entered reading may take (the gateway checks again: temperature-reading.ts). */
const BODY_C = { min: 30, max: 45 };

/**
 * A temperature staff took by hand (handheld infrared, contact thermometer, thermal camera): the
 * value on a decimal keypad, its unit (°F is converted by the gateway) and the instrument. The
 * staff id is the session's, in the request's envelope. A handheld or contact reading confirms or
 * clears a screening fever (docs/configuration.md, rules.feverConfirm).
 */
export function openReadingDialog(submit: (r: HandReading) => Promise<boolean>): void {
  const value = h('input', { class: 'field-input', maxlength: 5, dataset: { testid: 'reading-value' } });
  let unit: HandReading['unit'] = 'C';
  let method: HandReading['method'] | undefined;
  const units = h('div', { class: 'choices' });
  const methods = h('div', { class: 'choices' });
  const choice = (testid: string, label: string, chosen: boolean, pick: () => void) =>
    h(
      'button',
      { type: 'button', class: `btn choice${chosen ? ' chosen' : ''}`, dataset: { testid }, onclick: pick },
      label,
    );
  const draw = () => {
    mount(
      units,
      (['C', 'F'] as const).map((u) =>
        choice(`reading-unit-${u}`, `°${u}`, unit === u, () => {
          unit = u;
          draw();
        }),
      ),
    );
    mount(
      methods,
      HAND_METHODS.map((m) =>
        choice(`reading-method-${m}`, tEnum('method', m), method === m, () => {
          method = m;
          draw();
        }),
      ),
    );
  };
  draw();
  openDialog({
    title: t('reading.title'),
    class: 'dialog-wide dialog-reading',
    body: h(
      'div',
      { class: 'register-layout' },
      h(
        'div',
        { class: 'form register-fields' },
        h('label', { class: 'field' }, h('span', null, t('reading.value')), value),
        h('div', { class: 'field' }, h('span', null, t('reading.unit')), units),
        h('div', { class: 'field' }, h('span', null, t('reading.method')), methods),
      ),
      h('div', { class: 'keyboard-slot' }, keyboard('decimal', value, { onEnter: () => value.blur() })),
    ),
    actions: [
      { label: t('dialog.cancel'), onClick: () => true },
      {
        label: t('reading.submit'),
        kind: 'primary',
        onClick: async () => {
          const v = Number(value.value.trim());
          if (!value.value.trim() || !Number.isFinite(v) || !method) {
            toast(t('reading.missing'), 'error');
            return false;
          }
          const c = toCelsius(v, unit);
          if (c < BODY_C.min || c > BODY_C.max) {
            toast(t('reading.range'), 'error');
            return false;
          }
          return submit({ value: v, unit, method });
        },
      },
    ],
  });
  value.focus();
}
