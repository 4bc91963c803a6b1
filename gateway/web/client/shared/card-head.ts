import { type Child, h } from './dom.ts';
import { currentLang, setLanguage } from './i18n.ts';

/**
 * The head of a card shown before sign-in (the sign-in card, the remote-device card): the page's
 * title, what comes between, and the language switch, which names the other language in itself.
 */
export function cardHead(title: string, ...between: Child[]): HTMLElement {
  return h(
    'div',
    { class: 'sign-in-head' },
    h('h1', null, title),
    ...between,
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-small',
        dataset: { testid: 'sign-in-lang' },
        onclick: () => setLanguage(currentLang() === 'zh' ? 'en' : 'zh'),
      },
      currentLang() === 'zh' ? 'English' : '中文',
    ),
  );
}
