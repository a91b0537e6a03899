/**
 * Library entry. Kept small (no Dexie, search or detail code): it draws the page frame and the first
 * page of the list, read with the bare IndexedDB API, then loads the rest of the library code
 * (page.ts), which wires filters, search and thumbnails; the detail view and the panels load when
 * opened. The marks let the benchmark time the page's own work apart from the tab's start.
 */
import { applyPageI18n, t } from '../../src/ui/library/msg';
import { buildShell, showRows } from '../../src/ui/library/shell';
import { readFirstPage, PAGE_SIZE } from '../../src/ui/library/first-page';

performance.mark('jz-library-start');
// The read starts first: opening the store takes a while, during which the frame is built.
// A detail view (#capture=…) does not show the list: page.ts draws it.
const started = performance.now();
const first = /^#capture=/.test(location.hash) ? Promise.resolve(null) : readFirstPage(PAGE_SIZE).catch(() => null);
applyPageI18n();
const shell = buildShell(document.getElementById('library')!);

const initial = await first;
if (initial) {
  showRows(shell, initial, initial.cases);
  shell.status.textContent = t('libStatusList', [String(initial.rows.length) + (initial.more ? '+' : ''), String(Math.round(performance.now() - started))]);
  performance.mark('jz-first-page');
}
// Loaded after the first page has been painted rather than beside it: compiling and running it
// (Dexie among it) would hold the main thread before the browser could draw the rows (measured: the
// rows painted ~100 ms after they were in the DOM). Input made meanwhile is not lost (page.ts reads
// the controls when it starts).
if (initial) await new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
const { mountLibrary } = await import('../../src/ui/library/page');
await mountLibrary(shell, initial);
// The storage warning banner is not part of the first paint.
void import('../../src/ui/library/storage-panel').then((m) => m.storageStartup(document.getElementById('storage-banner')!));
