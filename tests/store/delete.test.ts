import { beforeEach, describe, expect, it } from 'vitest';
import { EvidenceDB } from '../../src/store/db';
import { deleteCapture } from '../../src/store/delete';
import { readLedger, verifyStoredLedger } from '../../src/store/ledger-store';
import { seedCaptures } from '../../src/store/seed';

let db: EvidenceDB;
let ids: string[];
let n = 0;
beforeEach(async () => {
  db = new EvidenceDB(`delete-test-${n++}`);
  ids = await seedCaptures(db, 3, { index: false });
});

describe('deleteCapture', () => {
  it('removes the blobs, keeps a tombstone row and appends a deleted event; the chain stays valid', async () => {
    const victim = ids[1]!;
    const row = (await db.captures.get(victim))!;
    expect(await db.blobs.where('captureId').equals(victim).count()).toBeGreaterThan(0);
    await deleteCapture(db, victim, { reason: 'duplicate' });
    expect(await db.blobs.where('captureId').equals(victim).count()).toBe(0);
    expect(await db.blobs.where('captureId').equals(ids[0]!).count()).toBeGreaterThan(0);
    const tomb = (await db.captures.get(victim))!;
    expect(tomb.deleted).toBe(1);
    expect(tomb.hash).toBe(row.hash);
    expect((await readLedger(db)).at(-1)).toMatchObject({ type: 'deleted', captureId: victim, payload: { hash: row.hash, url: row.url, reason: 'duplicate' } });
    const v = await verifyStoredLedger(db);
    expect(v.ok).toBe(true);
    // The event that recorded the original capture is still there.
    expect((await readLedger(db)).filter((e) => e.captureId === victim).map((e) => e.type)).toEqual(['captured', 'deleted']);
  });

  it('is idempotent: a second delete writes no second event', async () => {
    await deleteCapture(db, ids[0]!);
    const count = await db.ledger.count();
    await deleteCapture(db, ids[0]!);
    expect(await db.ledger.count()).toBe(count);
  });

  it('writes nothing when the capture does not exist', async () => {
    const count = await db.ledger.count();
    await expect(deleteCapture(db, 'nope')).rejects.toThrow();
    expect(await db.ledger.count()).toBe(count);
  });
});
