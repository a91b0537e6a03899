/**
 * Library entry. The first paint (frame and first page of the list) is made by the classic boot
 * script (entrypoints/library-boot.ts, src/ui/library/boot.ts), which starts before this module;
 * this entry takes its result, or boots itself if that script did not run, then loads the rest of
 * the library code (page.ts): filters, search, thumbnails; the detail view and the panels load when
 * opened. The marks let the benchmark time the page's own work apart from the tab's start.
 */
import { bootSlot } from '../../src/ui/library/boot-slot';

performance.mark('jz-library-module');
// bootLibrary keeps its promise in the same slot, so the page cannot boot twice.
const { shell, initial } = await (bootSlot() ?? import('../../src/ui/library/boot').then((m) => m.bootLibrary()));
// Loaded after the first page has been painted rather than beside it: compiling and running it
// (Dexie among it) would hold the main thread before the browser could draw the rows (measured: the
// rows painted ~100 ms after they were in the DOM). Input made meanwhile is not lost (page.ts reads
// the controls when it starts).
if (initial) await new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
const { mountLibrary } = await import('../../src/ui/library/page');
await mountLibrary(shell, initial);
// The storage warning banner is not part of the first paint.
void import('../../src/ui/library/storage-panel').then((m) => m.storageStartup(document.getElementById('storage-banner')!));
