import Dexie from 'dexie';
import { newCapture as newCaptureOf } from './new-capture';
import { beforeEach, describe, expect, it } from 'vitest';
import { EvidenceDB, STORES_V1 } from '../../src/store/db';
import { toListRow, LISTING } from '../../src/store/listing';
import { LISTING_STORE } from '../../src/ui/library/first-page';
import { saveCapture, StoreError } from '../../src/store/captures';
import { addNote, addTag, removeTag } from '../../src/store/annotations';
import { createCase, moveCapture } from '../../src/store/cases';
import { deleteCapture } from '../../src/store/delete';
import { seedCaptureRow, seedCaptures } from '../../src/store/seed';
import { enqueueTimestamp } from '../../src/timestamp/queue';
import type { CaptureRow } from '../../src/store/schema';

// The listing must always equal the live captures, field for field, whatever wrote them.
let n = 0;
let db: EvidenceDB;
beforeEach(() => {
  db = new EvidenceDB(`listing-test-${n++}`);
});

async function expectInStep(): Promise<void> {
  const live = (await db.captures.toArray()).filter((r) => !r.deleted);
  const listed = await db.listing.toArray();
  expect(listed).toEqual(live.map(toListRow));
}

function newCapture(id: string, caseId = 'default') {
  return newCaptureOf(id, caseId, [{ kind: 'text', mediaType: 'text/plain', bytes: new TextEncoder().encode('储户到郑州维权，健康码被赋红码。') }]);
}

describe('listing', () => {
  it('has the name the first-page reader looks for', () => {
    expect(LISTING_STORE).toBe(LISTING);
  });

  it('holds only the fields a list row shows', async () => {
    const [id] = await seedCaptures(db, 1, { index: false });
    const row = (await db.listing.get(id!))!;
    expect(Object.keys(row).sort()).toEqual(['capturedAt', 'caseId', 'id', 'platform', 'postStatus', 'site', 'tags', 'title', 'trustedTime', 'url']);
    expect(row).not.toHaveProperty('recordJson');
  });

  it('follows a saved capture, and a failed save leaves no listing row', async () => {
    await seedCaptures(db, 0, { index: false }); // the default case
    await saveCapture(db, await newCapture('a1'));
    expect((await db.listing.get('a1'))?.title).toBe('村镇银行储户的健康码变红');
    await expect(saveCapture(db, await newCapture('a2', 'no-such-case'))).rejects.toBeInstanceOf(StoreError);
    expect(await db.listing.get('a2')).toBeUndefined();
    await expectInStep();
  });

  it('follows bulk writes, tags, notes, case moves, trusted time and tombstones', async () => {
    const ids = await seedCaptures(db, 40, { index: false });
    await expectInStep();
    expect(await db.listing.count()).toBe(40);
    await addTag(db, ids[3]!, '红码');
    expect((await db.listing.get(ids[3]!))!.tags).toContain('红码');
    await removeTag(db, ids[3]!, '红码');
    await addNote(db, ids[4]!, '三天后被删');
    const c = await createCase(db, '郑州烂尾楼');
    await moveCapture(db, ids[5]!, c.id);
    expect((await db.listing.get(ids[5]!))!.caseId).toBe(c.id);
    await enqueueTimestamp(db, ids[6]!, { status: 'pending' });
    expect((await db.listing.get(ids[6]!))!.trustedTime).toBe('pending');
    await deleteCapture(db, ids[7]!);
    expect(await db.listing.get(ids[7]!)).toBeUndefined();
    expect(await db.listing.count()).toBe(39);
    await expectInStep();
  });

  it('follows writes made straight to the captures table, inside and outside a transaction', async () => {
    const ids = await seedCaptures(db, 5, { index: false });
    await db.transaction('rw', db.captures, async () => {
      await db.captures.update(ids[0]!, { title: '改过的标题' });
      await db.captures.delete(ids[1]!);
    });
    await db.captures.where('id').equals(ids[2]!).modify({ trustedTime: 'stamped' });
    await db.captures.put({ ...(await db.captures.get(ids[3]!))!, deleted: 1 });
    expect((await db.listing.get(ids[0]!))!.title).toBe('改过的标题');
    expect(await db.listing.get(ids[1]!)).toBeUndefined();
    expect((await db.listing.get(ids[2]!))!.trustedTime).toBe('stamped');
    expect(await db.listing.get(ids[3]!)).toBeUndefined();
    await expectInStep();
    await db.captures.clear();
    expect(await db.listing.count()).toBe(0);
  });

  it('rolls back with the captures write when the transaction fails', async () => {
    const ids = await seedCaptures(db, 2, { index: false });
    await expect(
      db.transaction('rw', db.captures, async () => {
        await db.captures.update(ids[0]!, { title: '不该留下' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await db.listing.get(ids[0]!))!.title).not.toBe('不该留下');
    await expectInStep();
  });

  it('is filled from the captures of a store made before it existed', async () => {
    const name = `listing-upgrade-${n++}`;
    const old = new Dexie(name);
    old.version(1).stores(STORES_V1);
    const rows: CaptureRow[] = [];
    // More than one of the upgrade's pages of 500; every third row a tombstone.
    for (let i = 0; i < 1201; i++) {
      const deleted = i % 3 === 1 ? 1 : 0;
      const { row } = await seedCaptureRow({
        id: `old-${String(i).padStart(4, '0')}`,
        caseId: 'default',
        url: `https://bbs.example/t/${i}`,
        capturedAt: new Date(Date.UTC(2022, 5, 10) + i * 60_000).toISOString(),
        page: { title: `帖子 ${i}`, canonicalUrl: null, author: null, publishedAt: null, siteName: 'bbs.example', lang: 'zh-CN', description: null },
        artifacts: [],
        blobs: false,
        trustedTime: 'none',
      });
      rows.push({ ...row, deleted });
    }
    await old.table('captures').bulkAdd(rows);
    old.close();
    db = new EvidenceDB(name);
    const listed = (await db.listing.toArray()).map((r) => r.id);
    expect(listed.length).toBe(801);
    expect(listed.slice(0, 3)).toEqual(['old-0000', 'old-0002', 'old-0003']);
    expect(listed.at(-1)).toBe('old-1200');
    await expectInStep();
  });
});
