import { beforeEach, describe, expect, it } from 'vitest';
import { EvidenceDB } from '../../src/store/db';
import { addNote, addTag, allTags, removeTag } from '../../src/store/annotations';
import { deleteCapture } from '../../src/store/delete';
import { readLedger, verifyStoredLedger } from '../../src/store/ledger-store';
import { seedCaptures } from '../../src/store/seed';

let db: EvidenceDB;
let id: string;
let n = 0;
beforeEach(async () => {
  db = new EvidenceDB(`annotations-test-${n++}`);
  [id] = (await seedCaptures(db, 1, { index: false })) as [string];
});

describe('notes and tags', () => {
  it('writes each note, tag and untag as a ledger event with the row change', async () => {
    const before = (await db.captures.get(id))!.tags;
    await addNote(db, id, '  发布后三天被删除  ');
    expect(await addTag(db, id, '红码')).toBe(true);
    expect(await addTag(db, id, '红码')).toBe(false);
    expect(await removeTag(db, id, '红码')).toBe(true);
    expect(await removeTag(db, id, '红码')).toBe(false);
    const row = (await db.captures.get(id))!;
    expect(row.notes.map((x) => x.text)).toEqual(['发布后三天被删除']);
    expect(row.tags).toEqual(before);
    const tail = (await readLedger(db)).slice(-3);
    expect(tail.map((e) => [e.type, e.captureId, e.payload])).toEqual([
      ['note', id, { text: '发布后三天被删除' }],
      ['tag', id, { tag: '红码' }],
      ['untag', id, { tag: '红码' }],
    ]);
    expect((await verifyStoredLedger(db)).ok).toBe(true);
  });

  it('does not change the capture record itself (its hash stays valid)', async () => {
    const before = (await db.captures.get(id))!;
    await addNote(db, id, 'x');
    const after = (await db.captures.get(id))!;
    expect(after.recordJson).toBe(before.recordJson);
    expect(after.hash).toBe(before.hash);
  });

  it('refuses empty notes and annotations on deleted captures', async () => {
    await expect(addNote(db, id, '  ')).rejects.toThrow();
    await deleteCapture(db, id);
    await expect(addTag(db, id, 'x')).rejects.toThrow(/deleted/);
  });

  it('lists tags in use once each', async () => {
    const ids = await seedCaptures(db, 3, { index: false, seed: 9 });
    for (const x of ids) await addTag(db, x, 'zz-test');
    expect((await allTags(db)).filter((t) => t === 'zz-test')).toEqual(['zz-test']);
    await removeTag(db, ids[0]!, 'zz-test');
    expect(await allTags(db)).toContain('zz-test');
  });
});
