/**
 * Library at scale: 10,000 seeded captures (seed.ts, through the extension's own store and search
 * index), then the real library page: time to the first visible capture-item from navigation start,
 * and time from typing a term to the list having been redrawn for it.
 */
import type { Page } from 'playwright-core';
import { launchSeedableBrowser } from './bench-browser';
import { seedLibrary } from './inject';
import { benchExtensionDir, FLOOR_PAGE, FLOOR_SCRIPT_MARK, FLOOR_SCRIPT_PAGE } from './capture';

export const SEARCH_TERMS = ['红码', 'depositors'];

export interface LibraryRun {
  /** ms from navigation start to the first capture-item being visible (= firstSeenMs, the page's own clock) */
  firstPageMs: number;
  /** ms from navigation start to when the benchmark's polling script first saw an item (never earlier than its own arrival) */
  firstSeenMs: number;
  /** Element Timing renderTime of the first row title, or null */
  firstPaintMs: number | null;
  /** ms from navigation start to the page's 'jz-first-page' mark (rows in the DOM, before paint) */
  markMs: number | null;
  /** All the page's marks (jz-library-start, jz-store-open, jz-first-read, jz-first-page, jz-first-page-store), ms since navigation start */
  marks: Record<string, number>;
  /** ms the page's own code took from mounting to the first list rendered (marks jz-library-start → jz-first-page) */
  listMs: number | null;
  /** per term: ms from the input event to the redrawn list (includes the page's input debounce) */
  search: Record<string, number>;
  /**
   * The floor, loaded the same way right after: ms from navigation start to the first visible
   * paragraph of a static extension page with no script or stylesheet (FLOOR_PAGE), or null.
   */
  floorMs: number | null;
  /**
   * The same static page with one classic script in its head that only sets a mark: ms from
   * navigation start to that script starting (when any page script, such as the library's boot
   * script, can first run), or null.
   */
  floorScriptMs: number | null;
}

export interface LibraryBench {
  captures: number;
  seedMs: number;
  /** One entry per page load. */
  runs: LibraryRun[];
}

/** Pause between closing one library tab and opening the next (see the loop). */
const SETTLE_MS = 1500;

// Resolves with performance.now() (ms since this document's navigation started) once an item shows.
const firstVisible = (selector: string): string => `new Promise((resolve) => {
  const check = () => {
    const el = document.querySelector(${JSON.stringify(selector)});
    if (el && el.getClientRects().length) return resolve(performance.now());
    requestAnimationFrame(check);
  };
  check();
})`;
const FIRST_ITEM = firstVisible('[data-testid="capture-item"]');

// When a row's title was first painted (ms since navigation start), from the Element Timing entries
// the browser buffers for elements marked elementtiming="capture-item": it does not depend on when
// this script reaches the page, unlike FIRST_ITEM, which can only see an item after it arrives.
const FIRST_PAINT = `new Promise((resolve) => {
  const po = new PerformanceObserver((list) => {
    const es = list.getEntries().filter((e) => e.identifier === 'capture-item');
    if (!es.length) return;
    po.disconnect();
    resolve(Math.min(...es.map((e) => e.renderTime || e.loadTime)));
  });
  po.observe({ type: 'element', buffered: true });
  setTimeout(() => resolve(null), 10000);
})`;

// Types the term the way an input event would, then waits for the status line that renderList
// writes after drawing the rows for this query (it changes with every completed render).
const SEARCH = `(term) => new Promise((resolve, reject) => {
  const input = document.querySelector('[data-testid="search"]');
  const status = document.querySelector('[role="status"]');
  const list = document.querySelector('[data-testid="capture-list"]');
  const before = status.textContent;
  let started = 0;
  const done = () => {
    if (status.textContent !== before) {
      obs.disconnect();
      resolve(performance.now() - started);
    }
  };
  const obs = new MutationObserver(done);
  obs.observe(status, { childList: true, characterData: true, subtree: true });
  setTimeout(() => { obs.disconnect(); reject(new Error('search did not finish in 30 s')); }, 30000);
  started = performance.now();
  input.value = term;
  input.dispatchEvent(new Event('input', { bubbles: true }));
})`;

async function search(page: Page, term: string): Promise<number> {
  return (await page.evaluate(`(${SEARCH})(${JSON.stringify(term)})`)) as number;
}

export async function libraryBench(n: number, loads: number): Promise<LibraryBench> {
  const { browser, control } = await launchSeedableBrowser();
  try {
    const t0 = performance.now();
    const count = await seedLibrary(control, n);
    const seedMs = performance.now() - t0;
    // A first visit lets the page finish any one-off index catch-up, as a user's library would have.
    const warm = await browser.openPage('library.html');
    await warm.evaluate(FIRST_ITEM);
    await warm.waitForTimeout(3000);
    await warm.close();
    const out: LibraryRun[] = [];
    for (let r = 0; r < loads; r++) {
      const page = await browser.context.newPage();
      await page.goto(`chrome-extension://${browser.extensionId}/library.html`, { waitUntil: 'commit' });
      const firstSeenMs = (await page.evaluate(FIRST_ITEM)) as number;
      const firstPaintMs = (await page.evaluate(FIRST_PAINT)) as number | null;
      const markMs = (await page.evaluate(`performance.getEntriesByName('jz-first-page')[0]?.startTime ?? null`)) as number | null;
      const marks = (await page.evaluate(`Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)]))`)) as Record<string, number>;
      // The target keeps its original measure (comparable with earlier runs); paint and mark are context.
      const firstPageMs = firstSeenMs;
      const listMs = (await page.evaluate(`(() => {
        const a = performance.getEntriesByName('jz-library-start')[0];
        const b = performance.getEntriesByName('jz-first-page')[0];
        return a && b ? b.startTime - a.startTime : null;
      })()`)) as number | null;
      await page.waitForSelector('[data-ready="1"]');
      await page.waitForTimeout(500);
      const res: Record<string, number> = {};
      for (const term of SEARCH_TERMS) {
        res[term] = await search(page, term);
        await search(page, '');
      }
      await page.close();
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      let floorMs: number | null = null;
      let floorScriptMs: number | null = null;
      if (benchExtensionDir()) {
        // Each floor page in a new tab, like the library: the value read once its paragraph shows.
        const floorLoad = async (file: string, read: string): Promise<number | null> => {
          const tab = await browser.context.newPage();
          await tab.goto(`chrome-extension://${browser.extensionId}/${file}`, { waitUntil: 'commit' });
          const seen = (await tab.evaluate(firstVisible('p'))) as number;
          const value = read ? ((await tab.evaluate(read)) as number | null) : seen;
          await tab.close();
          return value;
        };
        floorMs = await floorLoad(FLOOR_PAGE, '');
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        floorScriptMs = await floorLoad(FLOOR_SCRIPT_PAGE, `performance.getEntriesByName(${JSON.stringify(FLOOR_SCRIPT_MARK)})[0]?.startTime ?? null`);
      }
      out.push({ firstPageMs, firstSeenMs, firstPaintMs, markMs, marks, listMs, search: res, floorMs, floorScriptMs });
      // Let the closed tab's store connections wind down before the next load, as between a user's
      // visits: opened at once, the next tab's IndexedDB open waited 110-160 ms on them (marks
      // jz-library-start → jz-store-open), which is the previous tab's teardown, not this load.
      await new Promise((r) => setTimeout(r, SETTLE_MS));
    }
    return { captures: count, seedMs, runs: out };
  } finally {
    await browser.close();
  }
}
