/**
 * UI strings for the library's first paint, read straight from the extension's i18n API. The shared
 * helper (src/ui/i18n.ts) goes through webextension-polyfill (~10 KB and a module wrapper) which the
 * first paint does not need; the lazily loaded code keeps using it. Same messages, same fallback.
 */
interface I18nApi {
  getMessage(name: string, substitutions?: string | string[]): string;
  getUILanguage(): string;
}

function api(): I18nApi {
  const g = globalThis as unknown as { browser?: { i18n?: I18nApi }; chrome?: { i18n?: I18nApi } };
  return (g.browser?.i18n ?? g.chrome?.i18n)!;
}

/** A UI string from _locales; the key itself when missing (as src/ui/i18n.ts `t`). */
export function t(key: string, substitutions?: string | string[]): string {
  return api().getMessage(key, substitutions) || key;
}

/** Fills data-i18n texts (the page title) and sets the document language (as applyI18n). */
export function applyPageI18n(): void {
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n!);
  document.documentElement.lang = api().getUILanguage();
}
