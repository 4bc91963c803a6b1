import { MAX_SEALS } from '../../../yard/handover/handover-payloads.ts';
import { h, mount } from '../shared/dom.ts';
import { t } from '../shared/i18n.ts';

/**
 * Several seal numbers in one field, for gloved hands: the number is typed on the letter
 * keyboard into the input, its enter key ("add seal") puts it in the list, and each seal in the
 * list is a 60 px chip that a tap removes (its × says so). At most `max` seals of at most
 * `maxLength` characters each; the same seal twice is kept once.
 */
/** The hand-over's budgets (handover-payloads.ts): 20 seals a list, 32 characters a seal. */
export const SEAL_MAX_LENGTH = 32;

export interface SealList {
  /** The input the keyboard types into. */
  input: HTMLInputElement;
  /** The chips of the seals added so far. */
  chips: HTMLElement;
  /** Adds what is typed (if anything); false when the list is full or the input empty. */
  add(): boolean;
  /** The seals: those in the list, and what is still typed in the input. */
  values(): string[];
  set(seals: readonly string[]): void;
  onChange(listener: () => void): void;
}

export function sealList(testid: string, max = MAX_SEALS): SealList {
  const input = h('input', {
    class: 'field-input seal-input',
    maxlength: SEAL_MAX_LENGTH,
    dataset: { testid },
  });
  const chips = h('div', { class: 'seal-chips', dataset: { testid: `${testid}-chips` } });
  let seals: string[] = [];
  const listeners: (() => void)[] = [];
  const draw = () => {
    mount(
      chips,
      seals.map((s) =>
        h(
          'button',
          {
            type: 'button',
            class: 'btn seal-chip',
            dataset: { seal: s },
            title: t('seal.remove'),
            onclick: () => {
              seals = seals.filter((x) => x !== s);
              draw();
            },
          },
          s,
          h('span', { class: 'seal-x', 'aria-hidden': 'true' }, ' ×'),
        ),
      ),
    );
    for (const l of listeners) l();
  };
  input.addEventListener('input', () => {
    for (const l of listeners) l();
  });
  const norm = (s: string) => s.trim().toUpperCase().slice(0, SEAL_MAX_LENGTH);
  return {
    input,
    chips,
    add() {
      const s = norm(input.value);
      if (!s || seals.length >= max) return false;
      if (!seals.includes(s)) seals.push(s);
      input.value = '';
      draw();
      return true;
    },
    values() {
      const typed = norm(input.value);
      return typed && !seals.includes(typed) ? [...seals, typed].slice(0, max) : [...seals];
    },
    set(next) {
      seals = [...new Set(next.map(norm).filter(Boolean))].slice(0, max);
      draw();
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}
