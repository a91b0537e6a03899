/**
 * The library's first paint: page frame plus the first page of the list, read with the bare
 * IndexedDB API (first-page.ts). It runs from a classic script at the top of library.html's head
 * (entrypoints/library-boot.ts): the store read starts before the page's modules and stylesheet have
 * loaded (they are fetched meanwhile), and the frame and rows are drawn as soon as the document is
 * parsed, without waiting for the modules. main.ts then picks up the result. Measured on the
 * benchmark machine: the module entry started 120–200 ms after navigation start, after all of its
 * preloads and the stylesheet had loaded; the read itself takes 40–100 ms. So the page the last
 * visit read (first-page-cache.ts, localStorage) is drawn first, as soon as the document is parsed,
 * and the store's page replaces it when it differs.
 *
 * No Dexie, search or detail code may be imported from here.
 */
import { applyPageI18n, t } from './msg';
import { buildShell, showRows, type LibraryShell } from './shell';
import { readFirstPage, PAGE_SIZE, type FirstPage } from './first-page';
import { bootSlot, fillBootSlot } from './boot-slot';
import { readCachedFirstPage, writeCachedFirstPage } from './first-page-cache';

export interface LibraryBoot {
  shell: LibraryShell;
  initial: FirstPage | null;
}

/** Resolves once the document has been parsed (before the page's module scripts run). */
function parsed(doc: Document): Promise<void> {
  if (doc.readyState !== 'loading') return Promise.resolve();
  return new Promise((resolve) => {
    const on = (): void => {
      if (doc.readyState === 'loading') return;
      doc.removeEventListener('readystatechange', on);
      resolve();
    };
    doc.addEventListener('readystatechange', on);
  });
}

async function boot(doc: Document): Promise<LibraryBoot> {
  performance.mark('jz-library-start');
  const started = performance.now();
  // A detail view (#capture=…) does not show the list: page.ts draws it.
  const listing = !/^#capture=/.test(location.hash);
  const first = listing ? readFirstPage(PAGE_SIZE).catch(() => null) : Promise.resolve(null);
  const cached = listing ? readCachedFirstPage() : null;
  await parsed(doc);
  applyPageI18n();
  const shell = buildShell(doc.getElementById('library')!);
  if (cached) {
    showRows(shell, cached, cached.cases);
    performance.mark('jz-first-page');
  }
  const initial = await first;
  if (initial) {
    // Drawn again only when the store's page is not the one the last visit kept.
    if (writeCachedFirstPage(initial) || !cached) showRows(shell, initial, initial.cases);
    shell.status.textContent = t('libStatusList', [String(initial.rows.length) + (initial.more ? '+' : ''), String(Math.round(performance.now() - started))]);
    if (!cached) performance.mark('jz-first-page');
    performance.mark('jz-first-page-store');
  }
  return { shell, initial };
}

/** Boots the page once; later calls return the same promise. */
export function bootLibrary(doc: Document = document): Promise<LibraryBoot> {
  return bootSlot() ?? fillBootSlot(boot(doc));
}
