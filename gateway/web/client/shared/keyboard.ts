import { h } from './dom.ts';
import { t } from './i18n.ts';

/**
 * On-screen keyboards with keys big enough for gloved fingers: licence plates (the province
 * characters first, then letters and digits), PINs, staff IDs, ID numbers and temperatures. Keys type into the
 * bound input and fire its `input` event; a physical keyboard still works (the input has
 * `inputmode="none"`, so a tablet shows no keyboard of its own).
 */
export type KeyboardLayout = 'plate' | 'pin' | 'alnum' | 'idnumber' | 'decimal';

/** Province (and region) abbreviations that begin a plate. */
// biome-ignore format: the keyboard's rows
export const PROVINCES = [
  '京', '津', '冀', '晋', '蒙', '辽', '吉', '黑', '沪', '苏', '浙',
  '皖', '闽', '赣', '鲁', '豫', '鄂', '湘', '粤', '桂', '琼', '渝',
  '川', '贵', '云', '藏', '陕', '甘', '青', '宁', '新',
] as const;
/** Characters that end some plates (learner, police, trailer, Hong Kong, Macau, embassy, consulate). */
const PLATE_SUFFIXES = ['学', '警', '挂', '港', '澳', '使', '领'];

const DIGITS = '1234567890'.split('');
const LETTER_ROWS = ['QWERTYUIOP', 'ASDFGHJKL', 'ZXCVBNM'].map((r) => r.split(''));
/** Plates use no I and no O (they read as 1 and 0). */
const PLATE_LETTER_ROWS = LETTER_ROWS.map((r) => r.filter((c) => c !== 'I' && c !== 'O'));

const BACK = '⌫';
const CLEAR = 'clear';
const ENTER = 'enter';
const SWITCH = 'switch';

export interface KeyboardOptions {
  onEnter?: () => void;
  enterLabel?: string;
  /**
   * At most this many keys a row, for a narrow place (the yard's side panel): the character keys
   * (digits, letters, provinces, suffixes) flow into rows of this many, the last row of commands
   * (switch, back, clear, enter) stays one row. Each key stays at least 60 px wide: a row of n keys
   * needs n × 60 px plus 6 px between keys (6 keys: 390 px). Default: the full rows.
   */
  maxColumns?: number;
}

export function keyboard(
  layout: KeyboardLayout,
  input: HTMLInputElement,
  opts: KeyboardOptions = {},
): HTMLElement {
  input.setAttribute('inputmode', 'none');
  input.autocomplete = 'off';
  const root = h('div', {
    class: `keyboard keyboard-${layout}${opts.maxColumns ? ' keyboard-narrow' : ''}`,
    role: 'group',
  });
  let provinces = layout === 'plate' && input.value === '';

  const rows = (): string[][] => fitRows(fullRows(), opts.maxColumns);
  const fullRows = (): string[][] => {
    switch (layout) {
      case 'pin':
        return [
          ['1', '2', '3'],
          ['4', '5', '6'],
          ['7', '8', '9'],
          [BACK, '0', ENTER],
        ];
      case 'idnumber':
        return [DIGITS.slice(0, 5), [...DIGITS.slice(5), 'X'], [BACK, CLEAR, ENTER]];
      case 'decimal':
        return [
          ['1', '2', '3'],
          ['4', '5', '6'],
          ['7', '8', '9'],
          ['.', '0', BACK],
          [CLEAR, ENTER],
        ];
      case 'alnum':
        return [DIGITS, ...LETTER_ROWS, ['-', '.', '_', BACK, CLEAR, ENTER]];
      case 'plate':
        return provinces
          ? [...chunk([...PROVINCES], 11), [SWITCH, BACK, CLEAR, ENTER]]
          : [DIGITS, ...PLATE_LETTER_ROWS, [...PLATE_SUFFIXES], [SWITCH, BACK, CLEAR, ENTER]];
    }
  };

  const type = (key: string) => {
    if (key === ENTER) return opts.onEnter?.();
    const before = provinces;
    if (key === SWITCH) provinces = !provinces;
    else if (key === BACK) input.value = input.value.slice(0, -1);
    else if (key === CLEAR) input.value = '';
    else if (input.maxLength <= 0 || input.value.length < input.maxLength) input.value += key;
    if (layout === 'plate' && key !== SWITCH) provinces = input.value === '';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    // Keys are redrawn only when the plate keyboard turns between provinces and letters.
    if (provinces !== before) draw();
  };

  const label = (key: string) =>
    key === ENTER
      ? (opts.enterLabel ?? t('key.enter'))
      : key === CLEAR
        ? t('key.clear')
        : key === SWITCH
          ? provinces
            ? 'ABC'
            : t('key.provinces')
          : key;

  const draw = () => {
    root.replaceChildren(
      ...rows().map((row) =>
        h(
          'div',
          { class: 'keyboard-row' },
          row.map((key) =>
            h(
              'button',
              {
                type: 'button',
                class: `key${key.length > 1 && key !== BACK ? ' key-wide' : ''}${key === ENTER ? ' key-enter' : ''}`,
                dataset: { key },
                onclick: () => type(key),
              },
              label(key),
            ),
          ),
        ),
      ),
    );
  };
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      opts.onEnter?.();
    }
  });
  input.addEventListener('input', () => {
    if (layout === 'plate' && input.value === '' && !provinces) {
      provinces = true;
      draw();
    }
  });
  draw();
  return root;
}

/**
 * The rows for at most `columns` keys each: every row but the last (the commands) joined and cut
 * into rows as even as can be; the commands' row is cut too if it is longer.
 */
export function fitRows(rows: string[][], columns: number | undefined): string[][] {
  if (!columns || columns < 1 || rows.every((r) => r.length <= columns)) return rows;
  const keys = rows.slice(0, -1).flat();
  const last = rows.at(-1) ?? [];
  return [...even(keys, columns), ...even(last, columns)];
}

/** Cuts items into the fewest rows of at most `columns`, their lengths differing by one at most. */
function even<T>(items: T[], columns: number): T[][] {
  if (items.length === 0) return [];
  const n = Math.ceil(items.length / columns);
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const size = Math.ceil((items.length - start) / (n - i));
    out.push(items.slice(start, start + size));
    start += size;
  }
  return out;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
