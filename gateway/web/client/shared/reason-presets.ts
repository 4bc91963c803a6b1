import { h } from './dom.ts';
import { type StringKey, t } from './i18n.ts';

/**
 * A reason field and its preset buttons: a tap on a preset writes its words into the field (the
 * page's language) and marks that button on. Test ids: `<prefix>-reason`, `<prefix>-<last part of
 * the string key>`.
 */
export function reasonPresets(
  prefix: string,
  keys: readonly StringKey[],
): { reason: HTMLInputElement; presets: HTMLButtonElement[] } {
  const reason = h('input', {
    class: 'field-input',
    maxlength: 200,
    dataset: { testid: `${prefix}-reason` },
  });
  const presets: HTMLButtonElement[] = keys.map((k) =>
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-plain preset',
        dataset: { testid: `${prefix}-${k.slice(k.lastIndexOf('.') + 1)}` },
        onclick: (ev: Event) => {
          reason.value = t(k);
          for (const p of presets) p.classList.toggle('on', p === ev.currentTarget);
        },
      },
      t(k),
    ),
  );
  return { reason, presets };
}
