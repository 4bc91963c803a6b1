import { h } from '../shared/dom.ts';
import { t } from '../shared/i18n.ts';

/**
 * A keypad of place names for the origin and destination of a hand registration: the provinces,
 * municipalities and regions (a tap types the name), a backspace and a clear. Staff add a city
 * with the letter keyboard if they need it; most drivers give a province.
 */
// biome-ignore format: the keypad's names
export const PLACES = [
  '北京', '天津', '河北', '山西', '内蒙古', '辽宁', '吉林', '黑龙江', '上海',
  '江苏', '浙江', '安徽', '福建', '江西', '山东', '河南', '湖北', '湖南',
  '广东', '广西', '海南', '重庆', '四川', '贵州', '云南', '西藏', '陕西',
  '甘肃', '青海', '宁夏', '新疆', '香港', '澳门', '台湾',
] as const;

const PER_ROW = 9;

export function placeKeys(input: HTMLInputElement, onEnter: () => void): HTMLElement {
  input.setAttribute('inputmode', 'none');
  input.autocomplete = 'off';
  const set = (value: string) => {
    input.value = input.maxLength > 0 ? value.slice(0, input.maxLength) : value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  };
  const key = (label: string, onclick: () => void, cls = '') =>
    h('button', { type: 'button', class: `key key-place ${cls}`, dataset: { key: label }, onclick }, label);
  const rows: HTMLElement[] = [];
  for (let i = 0; i < PLACES.length; i += PER_ROW) {
    rows.push(
      h(
        'div',
        { class: 'keyboard-row' },
        PLACES.slice(i, i + PER_ROW).map((p) => key(p, () => set(p))),
      ),
    );
  }
  rows.push(
    h(
      'div',
      { class: 'keyboard-row' },
      key('⌫', () => set(input.value.slice(0, -1)), 'key-wide'),
      key(t('key.clear'), () => set(''), 'key-wide'),
      key(t('key.enter'), onEnter, 'key-wide key-enter'),
    ),
  );
  return h('div', { class: 'keyboard keyboard-places', role: 'group' }, rows);
}
