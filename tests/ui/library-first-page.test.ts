import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Dexie from 'dexie';
import { DB_NAME, DEFAULT_CASE_ID, EvidenceDB, STORES_V1 } from '../../src/store/db';
import { seedCaptures } from '../../src/store/seed';
import { createCase, moveCapture } from '../../src/store/cases';
import { deleteCapture } from '../../src/store/delete';
import { readFirstPage, STORE_DB_NAME } from '../../src/ui/library/first-page';
import { DEFAULT_CASE_ID as LABELS_DEFAULT_CASE_ID } from '../../src/ui/library/labels';
import { EMPTY_FILTERS, listCaptures } from '../../src/ui/library/model';
import { toListRow } from '../../src/store/listing';
import type { CaptureRow } from '../../src/store/schema';

// The first page is read without Dexie; it must be exactly what the Dexie listing would show, both
// with IDBIndex.getAllRecords (one request; Chrome 141+, and fake-indexeddb) and without (cursor).
let n = 0;
const fresh = () => `first-page-${n++}`;
const proto = IDBIndex.prototype as unknown as Record<string, unknown>;
const getAllRecords = proto.getAllRecords;

describe('store constants', () => {
  it('copies of store constants match the store (they are duplicated to keep Dexie out of the initial chunk)', () => {
    expect(STORE_DB_NAME).toBe(DB_NAME);
    expect(LABELS_DEFAULT_CASE_ID).toBe(DEFAULT_CASE_ID);
  });
});

describe.each(['getAllRecords', 'cursor'])('readFirstPage (%s)', (mode) => {
  beforeAll(() => {
    expect(typeof getAllRecords).toBe('function');
    if (mode === 'cursor') delete proto.getAllRecords;
  });
  afterAll(() => {
    proto.getAllRecords = getAllRecords;
  });

  it('gives the same rows as listCaptures without filters, newest first, tombstones skipped', async () => {
    const name = fresh();
    const db = new EvidenceDB(name);
    const ids = await seedCaptures(db, 30, { index: false });
    // The newest capture becomes a tombstone, another moves to a new case: both must show as now.
    await deleteCapture(db, ids[29]!);
    const c = await createCase(db, '郑州红码');
    await moveCapture(db, ids[27]!, c.id);
    const page = await readFirstPage(10, name);
    expect(page).not.toBeNull();
    const expected = await listCaptures(db, EMPTY_FILTERS, 'time-desc', 10);
    expect(page!.rows.map((r) => r.id)).toEqual(ids.slice(18, 29).reverse().slice(0, 10));
    expect(page!.rows).toEqual(expected.rows.map(toListRow));
    expect(page!.more).toBe(true);
    expect(page!.rows.find((r) => r.id === ids[27])!.caseId).toBe(c.id);
    expect(page!.cases.map((x) => x.id).sort()).toEqual([c.id, DEFAULT_CASE_ID].sort());
    db.close();
  });

  it('reads a store from before the listing table (not yet upgraded) from its captures', async () => {
    const seeded = new EvidenceDB(fresh());
    const ids = await seedCaptures(seeded, 12, { index: false });
    await deleteCapture(seeded, ids[11]!);
    const rows = await seeded.captures.toArray();
    const cases = await seeded.cases.toArray();
    seeded.close();
    const name = fresh();
    const old = new Dexie(name);
    old.version(1).stores(STORES_V1);
    await old.table('captures').bulkAdd(rows);
    await old.table('cases').bulkAdd(cases);
    old.close();
    const page = await readFirstPage(5, name);
    expect(page!.rows.map((r) => r.id)).toEqual(ids.slice(6, 11).reverse());
    expect(page!.more).toBe(true);
    // As read from captures, rows are whole; the list only uses the listing's fields.
    expect(page!.rows.map((r) => toListRow(r as CaptureRow))).toEqual(rows.filter((r) => !r.deleted).sort((a, b) => b.capturedAt.localeCompare(a.capturedAt)).slice(0, 5).map(toListRow));
  });

  it('says there is no more when the page holds every live capture', async () => {
    const name = fresh();
    const db = new EvidenceDB(name);
    const ids = await seedCaptures(db, 11, { index: false });
    await deleteCapture(db, ids[0]!);
    const page = await readFirstPage(10, name);
    expect(page!.rows.length).toBe(10);
    expect(page!.more).toBe(false);
    db.close();
  });

  it('returns null without creating the store when it does not exist, and Dexie can create it afterwards', async () => {
    const name = fresh();
    expect(await readFirstPage(10, name)).toBeNull();
    expect((await indexedDB.databases()).some((d) => d.name === name)).toBe(false);
    const db = new EvidenceDB(name);
    await seedCaptures(db, 3, { index: false });
    expect((await readFirstPage(10, name))!.rows.length).toBe(3);
    db.close();
  });

  it('does not hold its connection: a schema upgrade right after is not blocked', async () => {
    const name = fresh();
    const db = new EvidenceDB(name);
    await seedCaptures(db, 2, { index: false });
    db.close();
    await readFirstPage(10, name);
    const version = (await indexedDB.databases()).find((d) => d.name === name)!.version!;
    const upgraded = await new Promise<string>((resolve) => {
      const req = indexedDB.open(name, version + 1);
      req.onblocked = () => resolve('blocked');
      req.onsuccess = () => {
        req.result.close();
        resolve('ok');
      };
    });
    expect(upgraded).toBe('ok');
  });
});
