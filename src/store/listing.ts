/**
 * The listing: a slim copy of every live capture row, only the fields a list row shows, so that the
 * library's first page reads ~0.3 KB per row instead of the whole row (record.json text, artifact
 * list, notes: ~2.5 KB). Measured on the benchmark machine during a library tab's load: the 51-row
 * read took 7–36 ms from the captures table and 2–23 ms from a slim copy.
 *
 * It is kept by a Dexie middleware, not by each writer: every readwrite transaction that includes
 * `captures` also includes `listing`, and every write to `captures` (add, put, update, modify,
 * delete, in any transaction, including ones written later) writes the same change to `listing`
 * in the same transaction. So the two cannot disagree: a capture that fails to commit leaves
 * neither, and a tombstone (deleted = 1) leaves the listing.
 */
import type { DBCore, DBCoreDeleteRangeRequest, DBCoreDeleteRequest, DBCoreMutateRequest, DBCoreMutateResponse, DBCorePutRequest, DBCoreTable, Middleware } from 'dexie';
import type { CaptureRow, ListRow } from './schema';

export const LISTING = 'listing';
const CAPTURES = 'captures';

type Change = Omit<DBCorePutRequest, 'trans'> | Omit<DBCoreDeleteRequest, 'trans'> | Omit<DBCoreDeleteRangeRequest, 'trans'>;

export function toListRow(r: CaptureRow): ListRow {
  return {
    id: r.id,
    caseId: r.caseId,
    url: r.url,
    capturedAt: r.capturedAt,
    title: r.title,
    site: r.site,
    platform: r.platform,
    postStatus: r.postStatus,
    tags: r.tags,
    trustedTime: r.trustedTime,
  };
}

/** The listing's changes for one captures mutation (none for a row that was not written). */
function mirror(req: DBCoreMutateRequest, res: DBCoreMutateResponse): Change[] {
  switch (req.type) {
    case 'add':
    case 'put': {
      const live: ListRow[] = [];
      const gone: string[] = [];
      req.values.forEach((v: CaptureRow, i) => {
        if (res.failures[i]) return; // that row was not written
        if (v.deleted) gone.push(v.id);
        else live.push(toListRow(v));
      });
      const out: Change[] = [];
      if (live.length) out.push({ type: 'put', values: live });
      if (gone.length) out.push({ type: 'delete', keys: gone });
      return out;
    }
    case 'delete':
      return [{ type: 'delete', keys: req.keys }];
    case 'deleteRange':
      return [{ type: 'deleteRange', range: req.range }];
  }
}

function capturesTable(down: DBCoreTable, listing: () => DBCoreTable): DBCoreTable {
  return {
    ...down,
    async mutate(req) {
      const res = await down.mutate(req);
      for (const change of mirror(req, res)) {
        const r = await listing().mutate({ ...change, trans: req.trans } as DBCoreMutateRequest);
        // A listing write that fails must fail the capture's transaction too, not leave them apart.
        if (r.numFailures) throw Object.values(r.failures)[0] ?? new Error('the listing could not be written');
      }
      return res;
    },
  };
}

export const listingMiddleware: Middleware<DBCore> = {
  stack: 'dbcore',
  name: 'jianzheng-listing',
  create(down: DBCore): DBCore {
    // The stack is built when the database opens, with the schema it opened at.
    if (!down.schema.tables.some((t) => t.name === LISTING)) return down;
    return {
      ...down,
      transaction(stores, mode, options) {
        const widen = mode === 'readwrite' && stores.includes(CAPTURES) && !stores.includes(LISTING);
        return down.transaction(widen ? [...stores, LISTING] : stores, mode, options);
      },
      table(name) {
        const t = down.table(name);
        return name === CAPTURES ? capturesTable(t, () => down.table(LISTING)) : t;
      },
    };
  },
};
