/** Storage: usage and quota, persistent storage, and a warning before the quota is reached. */
import type { EvidenceDB } from '../../store/db';
import { t } from '../i18n';
import { append, h } from './dom';
import { formatBytes, storageState } from './model';

export async function readStorage(): Promise<ReturnType<typeof storageState> & { persisted: boolean }> {
  const est = (await navigator.storage?.estimate?.()) ?? {};
  const persisted = (await navigator.storage?.persisted?.()) ?? false;
  return { ...storageState(est), persisted };
}

export async function mountStoragePanel(el: HTMLElement, db: EvidenceDB): Promise<void> {
  const s = await readStorage();
  const captures = await db.captures.where('deleted').equals(0).count();
  const tombstones = await db.captures.where('deleted').equals(1).count();
  const bar = h('progress', { max: 100, value: Math.round(s.ratio * 100), 'aria-label': t('libStorageUsage') });
  const persistBtn = h('button', {
    type: 'button',
    text: t('libStoragePersist'),
    hidden: s.persisted,
    onclick: async () => {
      await navigator.storage.persist();
      await mountStoragePanel(el, db);
    },
  });
  el.replaceChildren();
  append(
    el,
    [h('h2', { text: t('libPanelStorage') }),
    bar,
    h('p', { testid: 'storage-usage', text: t('libStorageLine', [formatBytes(s.usage), s.quota ? formatBytes(s.quota) : '—', String(Math.round(s.ratio * 100))]) }),
    h('p', { text: t('libStorageCounts', [String(captures), String(tombstones)]) }),
    h('p', { class: s.persisted ? 'ok' : 'warn', text: t(s.persisted ? 'libStoragePersisted' : 'libStorageNotPersisted') }),
    persistBtn,
    s.warn ? h('p', { class: 'bad', role: 'alert', testid: 'storage-warning', text: t('libStorageWarning') }) : null],
  );
}

/**
 * Asks once for persistent storage (Chrome grants it to extensions with unlimitedStorage) and shows a
 * page-wide warning when usage reaches 80% of the quota.
 */
export async function storageStartup(banner: HTMLElement): Promise<void> {
  if (navigator.storage?.persisted && !(await navigator.storage.persisted())) await navigator.storage.persist?.().catch(() => false);
  const s = await readStorage();
  banner.hidden = !s.warn;
  if (s.warn) banner.textContent = t('libStorageWarning');
}
