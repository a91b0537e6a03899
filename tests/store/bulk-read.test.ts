import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { EvidenceDB } from '../../src/store/db';
import { READ_BATCH, readCaptures, type CaptureBatchItem } from '../../src/store/bulk-read';
import type { CaptureRow } from '../../src/store/schema';

async function collect(gen: AsyncGenerator<CaptureBatchItem[]>): Promise<CaptureBatchItem[][]> {
  const out: CaptureBatchItem[][] = [];
  for await (const b of gen) out.push(b);
  return out;
}

describe('readCaptures', () => {
  it('reads rows and their artifact rows in the order asked, a batch per transaction', async () => {
    const db = new EvidenceDB(`bulk-read-${Math.random()}`);
    // p1 is a prefix of p10–p19: each must get only its own folder's rows.
    const ids = Array.from({ length: READ_BATCH * 2 + 5 }, (_, i) => `p${i}`);
    await db.transaction('rw', db.captures, db.blobs, async () => {
      for (const id of ids) {
        await db.captures.put({ id, caseId: 'default', capturedAt: '2022-06-14T08:00:00.000Z', url: `https://example.org/${id}`, deleted: id === 'p3' ? 1 : 0 } as unknown as CaptureRow);
        await db.blobs.bulkPut(['a.txt', 'b.png'].map((f) => ({ path: `captures/${id}/${f}`, captureId: id, data: new Blob([id]) })));
      }
    });
    const want = [...ids].reverse();
    const batches = await collect(readCaptures(db, want));
    expect(batches.map((b) => b.length)).toEqual([READ_BATCH, READ_BATCH, 5]);
    const items = batches.flat();
    expect(items.map((i) => i.row.id)).toEqual(want);
    for (const { row, blobs } of items) expect([...blobs.keys()]).toEqual([`captures/${row.id}/a.txt`, `captures/${row.id}/b.png`]);
    // Deleted rows come as they are: the exporter refuses them by name.
    expect(items.find((i) => i.row.id === 'p3')!.row.deleted).toBe(1);
    await expect(collect(readCaptures(db, ['p1', 'nope', 'p2']))).rejects.toThrow('capture nope does not exist');
    // A chunk that lists its entries: its artifact rows are not read.
    const entries = [{ path: 'captures/p1/a.txt', offset: 40, zip: { method: 0 as const, crc: 1, csize: 2, size: 2 } }];
    await db.captures.update('p1', { chunk: { size: 100, record: { method: 0, crc: 0, csize: 1, size: 1 }, entries } });
    const [listed, older] = (await collect(readCaptures(db, ['p1', 'p2'])))[0]!;
    expect(listed!.blobs.size).toBe(0);
    expect(listed!.row.chunk!.entries).toEqual(entries);
    expect(older!.blobs.size).toBe(2);
    db.close();
  });
});
