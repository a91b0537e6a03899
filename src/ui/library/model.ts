/**
 * Library data access and pure helpers (no DOM): listing with filters and sort from indexed Dexie
 * queries, search integration, versions of the same URL, storage warnings. Tested in Node.
 */
import Dexie from 'dexie';
import type { EvidenceDB } from '../../store/db';
import type { CaptureRow, TrustedTimeStatus } from '../../store/schema';
import type { PostPlatform } from '../../bundle/format';
import { search as searchIndex, type SearchDB } from '../../search/index';

import { PAGE_SIZE } from './first-page';

export { PAGE_SIZE };

export interface LibraryFilters {
  caseId: string | null;
  site: string | null;
  platform: PostPlatform | 'none' | null;
  tag: string | null;
  trustedTime: TrustedTimeStatus | null;
  /** Inclusive ISO dates (yyyy-mm-dd) or null. */
  from: string | null;
  to: string | null;
  query: string;
}

export type SortKey = 'time-desc' | 'time-asc' | 'title' | 'site';

export const EMPTY_FILTERS: LibraryFilters = { caseId: null, site: null, platform: null, tag: null, trustedTime: null, from: null, to: null, query: '' };

/** [from 00:00, to+1day 00:00) as ISO strings, comparable with capturedAt. */
export function dateBounds(f: Pick<LibraryFilters, 'from' | 'to'>): { lo: string; hi: string } {
  const lo = f.from ? new Date(`${f.from}T00:00:00.000Z`).toISOString() : '';
  const hi = f.to ? new Date(new Date(`${f.to}T00:00:00.000Z`).getTime() + 86_400_000).toISOString() : '\uffff';
  return { lo, hi };
}

/** Whether a row passes the filters other than the text query. */
export function matchesFilters(row: CaptureRow, f: LibraryFilters): boolean {
  if (row.deleted) return false;
  if (f.caseId && row.caseId !== f.caseId) return false;
  if (f.site && row.site !== f.site) return false;
  if (f.platform && (f.platform === 'none' ? row.platform !== null : row.platform !== f.platform)) return false;
  if (f.tag && !row.tags.includes(f.tag)) return false;
  if (f.trustedTime && row.trustedTime !== f.trustedTime) return false;
  if (f.from || f.to) {
    const { lo, hi } = dateBounds(f);
    if (row.capturedAt < lo || row.capturedAt >= hi) return false;
  }
  return true;
}

export function sortRows(rows: CaptureRow[], sort: SortKey): CaptureRow[] {
  const by = {
    'time-desc': (a: CaptureRow, b: CaptureRow) => (a.capturedAt < b.capturedAt ? 1 : a.capturedAt > b.capturedAt ? -1 : 0),
    'time-asc': (a: CaptureRow, b: CaptureRow) => (a.capturedAt < b.capturedAt ? -1 : a.capturedAt > b.capturedAt ? 1 : 0),
    title: (a: CaptureRow, b: CaptureRow) => (a.title ?? '').localeCompare(b.title ?? '', 'zh-Hans-CN'),
    site: (a: CaptureRow, b: CaptureRow) => a.site.localeCompare(b.site) || (a.capturedAt < b.capturedAt ? 1 : -1),
  }[sort];
  return rows.sort(by);
}

export interface ListResult {
  rows: CaptureRow[];
  /** More rows exist beyond this page. */
  more: boolean;
  /** Ranked search (null when listing without a query). */
  searched: boolean;
}

/**
 * One page of the list. Without a query, rows come straight from an index in capture-time order
 * (the case+time compound index when a case is chosen), so the first page costs one short cursor
 * walk even with 10,000 captures. With a query, the search index ranks ids and the rows are read
 * by key. Title sort has no index and reads all matching rows (only when the user asks for it).
 */
export async function listCaptures(
  db: EvidenceDB,
  f: LibraryFilters,
  sort: SortKey,
  limit: number = PAGE_SIZE,
  sdb?: SearchDB,
): Promise<ListResult> {
  if (f.query.trim()) {
    const hits = await searchIndex(f.query, sdb ? { sdb } : {});
    if (hits !== null) {
      const rows: CaptureRow[] = [];
      // Read in chunks, stop once a page is full (plus one to know whether there is more).
      for (let i = 0, size = limit + 1; i < hits.length && rows.length <= limit; i += size, size = 200) {
        const chunk = await db.captures.bulkGet(hits.slice(i, i + size).map((h) => h.id));
        for (const r of chunk) if (r && matchesFilters(r, f)) rows.push(r);
      }
      // Search results keep their ranking; the sort menu applies to browsing.
      return { rows: rows.slice(0, limit), more: rows.length > limit, searched: true };
    }
  }
  let coll: Dexie.Collection<CaptureRow, string>;
  const { lo, hi } = dateBounds(f);
  // A selective filter: read its candidates with one index range (getAll, fast) and sort them in
  // memory, instead of walking the time index row by row and skipping most rows.
  const narrow =
    f.site !== null
      ? db.captures.where('site').equals(f.site)
      : f.tag !== null
        ? db.captures.where('tags').equals(f.tag)
        : f.platform !== null && f.platform !== 'none'
          ? db.captures.where('platform').equals(f.platform)
          : f.trustedTime !== null
            ? db.captures.where('trustedTime').equals(f.trustedTime)
            : null;
  if (sort === 'title' || narrow) {
    const all = await (narrow ?? db.captures.toCollection()).toArray();
    const rows = sortRows(all.filter((r) => matchesFilters(r, f)), sort);
    return { rows: rows.slice(0, limit), more: rows.length > limit, searched: false };
  }
  if (sort === 'site') coll = db.captures.orderBy('site');
  else if (f.caseId) coll = db.captures.where('[caseId+capturedAt]').between([f.caseId, lo], [f.caseId, hi], true, false);
  else coll = db.captures.where('capturedAt').between(lo, hi, true, false);
  if (sort === 'time-desc') coll = coll.reverse();
  const rows = await coll.filter((r) => matchesFilters(r, f)).limit(limit + 1).toArray();
  return { rows: rows.slice(0, limit), more: rows.length > limit, searched: false };
}

/** Distinct values for the filter menus (sites and platforms come from their indexes). */
export async function filterChoices(db: EvidenceDB): Promise<{ sites: string[]; platforms: string[] }> {
  const sites = (await db.captures.orderBy('site').uniqueKeys()) as string[];
  const platforms = (await db.captures.orderBy('platform').uniqueKeys()) as string[];
  return { sites, platforms };
}

/** Other captures of the same address (url or finalUrl, either way), oldest first, tombstones included. */
export async function versionsOf(db: EvidenceDB, row: CaptureRow): Promise<CaptureRow[]> {
  const addrs = [...new Set([row.url, row.finalUrl].filter(Boolean))];
  const [a, b] = await Promise.all([db.captures.where('url').anyOf(addrs).toArray(), db.captures.where('finalUrl').anyOf(addrs).toArray()]);
  const seen = new Map<string, CaptureRow>();
  for (const r of [...a, ...b]) seen.set(r.id, r);
  return [...seen.values()].sort((x, y) => (x.capturedAt < y.capturedAt ? -1 : x.capturedAt > y.capturedAt ? 1 : 0));
}

export const STORAGE_WARN_RATIO = 0.8;

export interface StorageState {
  usage: number;
  quota: number;
  ratio: number;
  warn: boolean;
}

export function storageState(e: { usage?: number; quota?: number }): StorageState {
  const usage = e.usage ?? 0;
  const quota = e.quota ?? 0;
  const ratio = quota > 0 ? usage / quota : 0;
  return { usage, quota, ratio, warn: quota > 0 && ratio >= STORAGE_WARN_RATIO };
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Host of a URL for display, without "www.". */
export function displayHost(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
}
