import { EN } from './strings-en.ts';
import { type StringKey, ZH } from './strings-zh.ts';

/**
 * The pages' words: one table per language (strings-zh.ts, the default, and strings-en.ts, which
 * the type checker holds to the same keys), each merging its pages' half (strings-*-pages.ts: the
 * kiosk and the yard) into the shared words. `t(key, {n: 3})` fills `{n}`. The choice is kept in
 * localStorage; views re-render through `onLanguageChange`.
 */
export type Lang = 'zh' | 'en';
export type { StringKey };

const TABLES: Record<Lang, Record<StringKey, string>> = { zh: ZH, en: EN };
const STORAGE_KEY = 'gatepost.lang';
const listeners = new Set<() => void>();

let lang: Lang = readStored();

function readStored(): Lang {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

export function currentLang(): Lang {
  return lang;
}

export function setLanguage(next: Lang): void {
  if (next === lang) return;
  lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // private mode: the choice lasts for this page only
  }
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
  for (const l of listeners) l();
}

/** Called after every change of language; returns the unsubscribe. */
export function onLanguageChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function t(key: StringKey, params?: Record<string, string | number>): string {
  const text = TABLES[lang][key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** The word for a value of an enum (`reason.fever`, `state.free`), or the value itself if none. */
export function tEnum(prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return key in ZH ? t(key as StringKey) : value;
}

export function isStringKey(key: string): key is StringKey {
  return key in ZH;
}
