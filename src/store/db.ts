import Dexie, { type Table } from 'dexie';
import type { BlobRow, CaptureRow, CaseRow, KvRow, ListRow, QueueRow, TimestampRow } from './schema';
import { listingMiddleware, toListRow } from './listing';
import type { LedgerEvent } from '../ledger/types';

export const DB_NAME = 'jianzheng';
export const DEFAULT_CASE_ID = 'default';

/** The first schema (kept as it was: stores made with it are upgraded from it). */
export const STORES_V1 = {
  cases: 'id, name, archived',
  captures: 'id, caseId, hash, url, finalUrl, capturedAt, site, platform, trustedTime, deleted, *tags, [caseId+capturedAt]',
  blobs: 'path, captureId',
  ledger: 'seq, type, captureId, time',
  timestamps: 'id, captureId, path',
  queue: 'id, kind, captureId, nextAttemptAt',
  kv: 'key',
} as const;

/**
 * The evidence store. It lives in the extension's origin only: the background and extension pages
 * open it; content scripts never do (they message the background).
 */
export class EvidenceDB extends Dexie {
  cases!: Table<CaseRow, string>;
  captures!: Table<CaptureRow, string>;
  /** Slim copies of the live captures, kept by listingMiddleware (src/store/listing.ts). */
  listing!: Table<ListRow, string>;
  blobs!: Table<BlobRow, string>;
  ledger!: Table<LedgerEvent, number>;
  timestamps!: Table<TimestampRow, string>;
  queue!: Table<QueueRow, string>;
  kv!: Table<KvRow, string>;

  constructor(name = DB_NAME) {
    super(name);
    this.version(1).stores(STORES_V1);
    // 2: the listing. The middleware mirrors every captures write from here on; the rows written
    // before this version are copied once, here.
    this.version(2)
      .stores({ listing: 'id, capturedAt' })
      .upgrade(async (tx) => {
        // In pages of 500 by id, so that a large store is never read into memory at once.
        const captures = tx.table<CaptureRow, string>('captures');
        let last: string | null = null;
        for (;;) {
          const page: CaptureRow[] = await (last === null ? captures.orderBy(':id') : captures.where(':id').above(last)).limit(500).toArray();
          if (!page.length) break;
          await tx.table<ListRow, string>('listing').bulkPut(page.filter((r) => !r.deleted).map(toListRow));
          last = page[page.length - 1]!.id;
        }
      });
    // 3: packs (src/store/packs.ts). Captures waiting to be merged, captures by pack, and
    // tombstones whose bytes are still to be erased from a pack; no existing row has these fields.
    this.version(3).stores({ captures: STORES_V1.captures + ', loose, chunk.pack, erase.pack' });
    this.use(listingMiddleware);
  }
}

let shared: EvidenceDB | null = null;

/** The store of this extension context (one per context; Dexie reopens it after a worker restart). */
export function getDb(): EvidenceDB {
  shared ??= new EvidenceDB();
  return shared;
}

/** For tests: use another database (e.g. fake-indexeddb with a fresh name). */
export function setDb(db: EvidenceDB | null): void {
  shared = db;
}
