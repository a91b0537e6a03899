import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { exportBundle, READ_GROUP } from '../../src/bundle/export';
import { exportFromStore } from '../../src/bundle/export-store';
import { verifyBundle } from '../../src/bundle/verify';
import { EvidenceDB } from '../../src/store/db';
import { appendEvent } from '../../src/store/ledger-store';
import { blobBytes, makeCapture, makeInput, makeLedger, type SyntheticCapture } from './fixtures';

/** Store reads are round trips (one IndexedDB transaction each): the zip phase reads artifacts in groups. */
describe('batched artifact reads', () => {
  it('reads artifacts through getArtifacts in groups, never one by one, and the bundle verifies', async () => {
    const caps: SyntheticCapture[] = [];
    for (let i = 0; i < 15; i++) caps.push(await makeCapture(`g${i}`));
    const input = await makeInput(caps, await makeLedger(caps));
    const all = new Map(caps.flatMap((c) => [...c.blobs]));
    let single = 0;
    for (const c of input.captures) {
      c.getArtifact = async () => {
        single++;
        throw new Error('read one by one');
      };
    }
    const calls: string[][] = [];
    input.getArtifacts = async (paths) => {
      calls.push(paths);
      return paths.map((p) => all.get(p)!);
    };
    const { blob } = await exportBundle(input);
    expect(single).toBe(0);
    // Every artifact read exactly once, across captures, in far fewer calls than files.
    expect(calls.flat().sort()).toEqual([...all.keys()].sort());
    expect(calls.length).toBeLessThanOrEqual(Math.ceil(all.size / READ_GROUP) + 1);
    expect(Math.max(...calls.map((c) => c.length))).toBeGreaterThan(1);
    expect(calls.every((c) => c.length <= READ_GROUP)).toBe(true);
    expect((await verifyBundle(await blobBytes(blob))).ok).toBe(true);
  });

  it('still reads through getArtifact when the input has no getArtifacts', async () => {
    const caps = [await makeCapture('o1'), await makeCapture('o2')];
    const input = await makeInput(caps, await makeLedger(caps));
    let single = 0;
    for (const c of input.captures) {
      const get = c.getArtifact;
      c.getArtifact = (p) => (single++, get(p));
    }
    const { blob } = await exportBundle(input);
    expect(single).toBe(6);
    expect((await verifyBundle(await blobBytes(blob))).ok).toBe(true);
  });

  it('exportFromStore reads the blobs with bulkGet, one transaction per group', async () => {
    const caps: SyntheticCapture[] = [];
    for (let i = 0; i < 12; i++) caps.push(await makeCapture(`s${i}`));
    const db = new EvidenceDB(`export-batch-${Math.random()}`);
    for (const c of caps) {
      await db.transaction('rw', db.captures, db.blobs, db.ledger, async () => {
        await db.captures.put(c.row);
        for (const [path, data] of c.blobs) await db.blobs.put({ path, captureId: c.row.id, data });
        await appendEvent(db, 'captured', c.row.id, { hash: c.row.hash });
      });
    }
    let gets = 0;
    let bulk = 0;
    const { get, bulkGet } = db.blobs;
    db.blobs.get = ((...a: Parameters<typeof get>) => (gets++, get.apply(db.blobs, a))) as typeof get;
    db.blobs.bulkGet = ((keys: string[]) => (bulk++, bulkGet.call(db.blobs, keys))) as typeof bulkGet;
    const res = await exportFromStore(db, { captureIds: caps.map((c) => c.row.id) });
    expect(gets).toBe(0);
    expect(bulk).toBeGreaterThan(0);
    expect(bulk).toBeLessThan(12 * 3);
    expect((await verifyBundle(await blobBytes(res.blob))).ok).toBe(true);
  });
});
