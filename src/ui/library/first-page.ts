/**
 * The library's first page, read with the bare IndexedDB API so that the page can draw it before
 * Dexie, the search index and the rest of the library code have loaded (they load in parallel).
 * It reads the evidence store that Dexie created (src/store/db.ts) as it is now: the newest
 * PAGE_SIZE captures that are not tombstones, in the order listCaptures gives without filters
 * (time-desc), and the cases for their labels. The rows come from the slim `listing` table
 * (src/store/listing.ts: live captures only, the list's fields only); a store from before that
 * table (an extension update whose upgrade has not run yet) is read from `captures`. Anything
 * unexpected (no database yet, a schema without the index, a blocked open) returns null and the
 * page falls back to listCaptures.
 *
 * No Dexie import here, on purpose: this module is in the page's initial chunk.
 */
import type { CaseRow, ListRow } from '../../store/schema';

export const PAGE_SIZE = 50;
/** Must equal DB_NAME in src/store/db.ts (a unit test checks it; importing it would pull in Dexie). */
export const STORE_DB_NAME = 'jianzheng';
/** Must equal LISTING in src/store/listing.ts (checked by the same unit test). */
export const LISTING_STORE = 'listing';

export interface FirstPage {
  rows: ListRow[];
  /** More rows exist beyond this page. */
  more: boolean;
  cases: CaseRow[];
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function openExisting(name: string, idb: IDBFactory): Promise<IDBDatabase | null> {
  return new Promise((resolve) => {
    let created = false;
    const req = idb.open(name);
    // No version given: an existing store opens at its own version. If none exists, an upgrade
    // would create an empty one; abort it so that Dexie still creates the store with its schema.
    req.onupgradeneeded = () => {
      created = true;
      req.transaction?.abort();
    };
    req.onsuccess = () => {
      if (created) {
        req.result.close();
        resolve(null);
      } else resolve(req.result);
    };
    req.onerror = () => resolve(null);
    // Another context holds an older connection open during an upgrade: let Dexie deal with it.
    req.onblocked = () => resolve(null);
  });
}

interface RecordsIndex extends IDBIndex {
  /** Chrome 141+: records in either direction in one request (not yet in TypeScript's DOM types). */
  getAllRecords?: (opts: { count?: number; direction?: IDBCursorDirection }) => IDBRequest<{ value: unknown }[]>;
}

/** The `count` newest rows by capture time, tombstones included, in one request where supported. */
async function newestRecords(index: RecordsIndex, count: number): Promise<ListRow[]> {
  if (typeof index.getAllRecords === 'function') {
    const recs = await request(index.getAllRecords({ count, direction: 'prev' }));
    return recs.map((r) => r.value as ListRow);
  }
  return walk(index, count, false);
}

/** The `count` newest live rows (tombstones skipped), cursor by cursor. */
function walkNewest(index: IDBIndex, count: number): Promise<ListRow[]> {
  return walk(index, count, true);
}

function walk(index: IDBIndex, count: number, liveOnly: boolean): Promise<ListRow[]> {
  return new Promise((resolve, reject) => {
    const rows: (ListRow & { deleted?: 0 | 1 })[] = [];
    const cur = index.openCursor(null, 'prev');
    cur.onerror = () => reject(cur.error ?? new Error('cursor failed'));
    cur.onsuccess = () => {
      const c = cur.result;
      if (!c) return resolve(rows);
      const row = c.value as ListRow & { deleted?: 0 | 1 };
      if (!liveOnly || !row.deleted) rows.push(row);
      if (rows.length >= count) return resolve(rows);
      c.continue();
    };
  });
}

/** One short read transaction; the connection is closed at once so that it never blocks an upgrade. */
export async function readFirstPage(limit: number = PAGE_SIZE, name: string = STORE_DB_NAME, idb: IDBFactory = indexedDB): Promise<FirstPage | null> {
  const db = await openExisting(name, idb);
  performance.mark('jz-store-open');
  if (!db) return null;
  // Dexie's upgrade (another tab, a newer extension version) must not wait for this connection.
  db.onversionchange = () => db.close();
  try {
    const slim = db.objectStoreNames.contains(LISTING_STORE);
    const source = slim ? LISTING_STORE : 'captures';
    if (!db.objectStoreNames.contains(source) || !db.objectStoreNames.contains('cases')) return null;
    const tx = db.transaction([source, 'cases'], 'readonly');
    const store = tx.objectStore(source);
    if (!store.indexNames.contains('capturedAt')) return null;
    const casesReq = request(tx.objectStore('cases').getAll() as IDBRequest<CaseRow[]>);
    const index = store.index('capturedAt');
    const want = limit + 1; // one row beyond the page tells whether there is more
    let rows: ListRow[];
    if (slim) rows = await newestRecords(index, want); // no tombstones in the listing
    else {
      const batch = (await newestRecords(index, want)) as (ListRow & { deleted?: 0 | 1 })[];
      rows = batch.filter((r) => !r.deleted);
      // Tombstones in a full batch left it short of live rows: walk on row by row (rare).
      if (batch.length === want && rows.length < want) rows = await walkNewest(index, want);
    }
    const cases = await casesReq;
    performance.mark('jz-first-read');
    return { rows: rows.slice(0, limit), more: rows.length > limit, cases };
  } catch {
    return null;
  } finally {
    db.close();
  }
}
