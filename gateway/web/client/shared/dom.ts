/**
 * A tiny DOM helper instead of a UI framework: `h('div', { class: 'x', onclick }, ...children)`
 * builds an element, `mount(parent, ...children)` replaces a parent's children. Views keep
 * references to the elements they update and change only those (text, classes), so an update
 * touches a handful of nodes.
 */
export type Child = Node | string | number | null | undefined | false | readonly Child[];

type Handler = (ev: Event) => void;
export interface Props {
  class?: string;
  dataset?: Record<string, string>;
  [attr: string]: string | number | boolean | Handler | Record<string, string> | undefined;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === false) continue;
      if (key === 'class') el.className = String(value);
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else if (value === true) el.setAttribute(key, '');
      else el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'object' ? (c as Node) : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `parent`. */
export function mount(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** Sets text only when it changed (no layout work for an unchanged value). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** Puts exactly one class of a family on an element, e.g. `outcome-PASS`. */
export function setVariant(el: Element, family: string, value: string | undefined): void {
  for (const c of [...el.classList])
    if (c.startsWith(`${family}-`) && c !== `${family}-${value}`) el.classList.remove(c);
  if (value !== undefined) el.classList.add(`${family}-${value}`);
}
