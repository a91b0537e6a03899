/**
 * The first page of the list as the library last read it, kept in the extension's localStorage so
 * that the next visit can draw it before the store has opened (a synchronous read, ~1 ms, against
 * 40–100 ms for opening IndexedDB and reading). boot.ts draws it at once, then draws the store's
 * page over it if anything differs: a capture made or deleted meanwhile is shown or gone ~50 ms
 * later. Only what the rows show is kept: the list's fields (ListRow) and the labels of their cases.
 *
 * localStorage belongs to the extension's origin, like the store; no web page can read it. It is
 * rewritten after every read of the store's first page and removed when a capture is deleted from
 * the library, so a deleted capture's title stays here no longer than until the next visit.
 */
import type { CaseRow, ListRow } from '../../store/schema';
import type { FirstPage } from './first-page';

export const FIRST_PAGE_CACHE_KEY = 'jz-library-first-page';
const VERSION = 1;

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage disabled: no cache
  }
}

const str = (v: unknown): boolean => typeof v === 'string';

function validRow(r: unknown): r is ListRow {
  const o = r as Record<string, unknown>;
  const strOrNull = (v: unknown): boolean => v === null || str(v);
  return (
    !!o &&
    str(o.id) &&
    str(o.caseId) &&
    str(o.url) &&
    str(o.capturedAt) &&
    strOrNull(o.title) &&
    str(o.site) &&
    strOrNull(o.platform) &&
    (o.postStatus === undefined || strOrNull(o.postStatus)) &&
    str(o.trustedTime) &&
    Array.isArray(o.tags) &&
    (o.tags as unknown[]).every(str)
  );
}

function validCase(c: unknown): c is CaseRow {
  const o = c as Record<string, unknown>;
  return !!o && str(o.id) && str(o.name);
}

/** The cached page, or null when there is none or it is not what this version wrote. */
export function readCachedFirstPage(): FirstPage | null {
  const raw = storage()?.getItem(FIRST_PAGE_CACHE_KEY);
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as { v?: unknown; rows?: unknown; more?: unknown; cases?: unknown };
    if (v.v !== VERSION || !Array.isArray(v.rows) || !Array.isArray(v.cases) || typeof v.more !== 'boolean') return null;
    if (!v.rows.every(validRow) || !v.cases.every(validCase)) return null;
    return { rows: v.rows, more: v.more, cases: v.cases };
  } catch {
    return null;
  }
}

/** What writeCachedFirstPage stores for `page`: its rows and the cases they name. */
function cacheText(page: FirstPage): string {
  const named = new Set(page.rows.map((r) => r.caseId));
  return JSON.stringify({ v: VERSION, rows: page.rows, more: page.more, cases: page.cases.filter((c) => named.has(c.id)) });
}

/** Keeps `page` for the next visit; returns whether it differs from what was kept. */
export function writeCachedFirstPage(page: FirstPage): boolean {
  const s = storage();
  if (!s) return true;
  const text = cacheText(page);
  if (s.getItem(FIRST_PAGE_CACHE_KEY) === text) return false;
  try {
    s.setItem(FIRST_PAGE_CACHE_KEY, text);
  } catch {
    s.removeItem(FIRST_PAGE_CACHE_KEY); // quota: better no cache than an old one
  }
  return true;
}

/** Drops the cache (a capture was deleted: its title must not wait here for the next visit). */
export function forgetCachedFirstPage(): void {
  storage()?.removeItem(FIRST_PAGE_CACHE_KEY);
}
