/**
 * Reads many captures for an export: their rows (and, where a chunk does not list its entries,
 * their artifact rows), a batch at a time, in one read-only transaction per batch, through the
 * IndexedDB API beneath Dexie.
 *
 * Why not Dexie here: measured in Chromium for 1,000 captures, Dexie's bulkGet and anyOf().toArray()
 * grew the page by ~11 MB, native get and getAll by ~6 MB for the same rows (a request keeps its
 * value, and Dexie its promise bookkeeping, until the next full collection). Reading the rows is
 * still about a third of what a 1,000-capture export grows the page by (bench/notes.md). Rows are
 * returned exactly as stored: no Dexie hook changes captures or blobs on reading.
 */
import type { EvidenceDB } from './db';
import type { BlobRow, CaptureRow } from './schema';

/**
 * Captures read per transaction. A batch's rows are garbage once planned, and a small batch leaves
 * fewer of them in use when the page collects; too small, and transactions cost more than they
 * save. Measured on a whole 1,000-capture export (3 runs each): 10 → +27.6–29.8 MB, 25 → +22.3–26.6,
 * 250 → +33.3–46.3. 40 round trips per 1,000 captures cost little against the export.
 */
export const READ_BATCH = 25;

export interface CaptureBatchItem {
  row: CaptureRow;
  /**
   * The capture's artifact rows (`captures/<id>/…`), by path; empty when its chunk lists its
   * entries (CaptureChunk.entries), which is all an export needs of them.
   */
  blobs: ReadonlyMap<string, BlobRow>;
}

/** What a capture whose chunk lists its entries gets: one empty map shared, not one each. */
const NO_BLOBS: ReadonlyMap<string, BlobRow> = new Map();

/**
 * Yields the captures `ids` in their order with their artifact rows, READ_BATCH at a time. A
 * missing id fails with `capture <id> does not exist`; deleted rows are yielded, the caller decides.
 */
export async function* readCaptures(db: EvidenceDB, ids: readonly string[]): AsyncGenerator<CaptureBatchItem[]> {
  if (!db.isOpen()) await db.open();
  const idb = db.backendDB();
  for (let i = 0; i < ids.length; i += READ_BATCH) {
    yield await readBatch(idb, ids.slice(i, i + READ_BATCH));
  }
}

function readBatch(idb: IDBDatabase, ids: string[]): Promise<CaptureBatchItem[]> {
  return new Promise((resolve, reject) => {
    const tx = idb.transaction(['captures', 'blobs'], 'readonly');
    const captures = tx.objectStore('captures');
    const blobs = tx.objectStore('blobs');
    const out: (CaptureBatchItem | undefined)[] = new Array(ids.length);
    let failed: Error | null = null;
    ids.forEach((id, k) => {
      const rq = captures.get(id);
      rq.onsuccess = () => {
        const row = rq.result as CaptureRow | undefined;
        if (!row) {
          failed ??= new Error(`capture ${id} does not exist`);
          return;
        }
        // A chunk that lists its entries needs no artifact rows; older ones do. Artifact rows are
        // keyed by path, and a capture's paths all begin with its folder.
        if (row.chunk?.entries) {
          out[k] = { row, blobs: NO_BLOBS };
          return;
        }
        const found = new Map<string, BlobRow>();
        out[k] = { row, blobs: found };
        const br = blobs.getAll(IDBKeyRange.bound(`captures/${id}/`, `captures/${id}/\uffff`));
        br.onsuccess = () => {
          for (const b of br.result as BlobRow[]) found.set(b.path, b);
        };
      };
    });
    tx.oncomplete = () => (failed ? reject(failed) : resolve(out as CaptureBatchItem[]));
    tx.onerror = () => reject(tx.error ?? new Error('reading the captures failed'));
    tx.onabort = () => reject(tx.error ?? new Error('reading the captures was aborted'));
  });
}
