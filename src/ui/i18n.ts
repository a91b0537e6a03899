import { browser } from 'wxt/browser';

/** A UI string from _locales; the key itself when missing, so a gap is visible rather than blank. */
export function t(key: string, substitutions?: string | string[]): string {
  // Keys come from merged locale fragments, which WXT's generated i18n types do not know about.
  const getMessage = browser.i18n.getMessage as (name: string, substitutions?: string | string[]) => string;
  const text = getMessage(key, substitutions);
  return text || key;
}

/**
 * Fills elements marked data-i18n (text), data-i18n-title, data-i18n-placeholder and
 * data-i18n-aria-label from _locales, and sets the document language.
 */
export function applyI18n(root: ParentNode = document): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n!);
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle!);
  for (const el of root.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder!);
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel!));
  if (typeof document !== 'undefined' && root === document) document.documentElement.lang = browser.i18n.getUILanguage();
}
