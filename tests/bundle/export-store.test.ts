import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { EvidenceDB } from '../../src/store/db';
import { appendEvent, readLedger } from '../../src/store/ledger-store';
import { exportFromStore, selectCaptures } from '../../src/bundle/export-store';
import { verifyBundle } from '../../src/bundle/verify';
import { getOrCreateIdentity } from '../../src/crypto/identity-store';
import { blobBytes, makeCapture, unzipAll, type SyntheticCapture } from './fixtures';

let n = 0;
async function store(caps: SyntheticCapture[]): Promise<EvidenceDB> {
  const db = new EvidenceDB(`export-store-${n++}-${Math.random()}`);
  for (const c of caps) {
    await db.transaction('rw', db.captures, db.blobs, db.ledger, async () => {
      await db.captures.put(c.row);
      for (const [path, data] of c.blobs) await db.blobs.put({ path, captureId: c.row.id, data });
      await appendEvent(db, 'captured', c.row.id, { hash: c.row.hash });
    });
  }
  return db;
}

describe('exportFromStore', () => {
  it('exports a case with the profile key and records the export in the ledger', async () => {
    const a = await makeCapture('a1', { caseId: 'henan' });
    const b = await makeCapture('b1', { caseId: 'henan' });
    const other = await makeCapture('z9', { caseId: 'other' });
    const gone = await makeCapture('c1', { caseId: 'henan' });
    const db = await store([a, b, other, gone]);
    await db.captures.update('c1', { deleted: 1 }); // a case export leaves its deleted captures out
    // The dialog's summary reads the same selection.
    expect((await selectCaptures(db, { caseId: 'henan' })).map((r) => r.id).sort()).toEqual(['a1', 'b1']);
    await expect(selectCaptures(db, { captureIds: ['a1', 'c1'] })).rejects.toThrow('capture c1 was deleted');
    await expect(selectCaptures(db, { captureIds: ['nope'] })).rejects.toThrow('capture nope does not exist');
    const identity = await getOrCreateIdentity(db);
    const res = await exportFromStore(db, { caseId: 'henan' });
    expect(res.manifest.captures.map((c) => c.id).sort()).toEqual(['a1', 'b1']);
    expect(res.manifest.signer!.fingerprint).toBe(identity.fingerprint);

    const ledger = await readLedger(db);
    const last = ledger.at(-1)!;
    expect(last).toMatchObject({ type: 'exported', captureId: null, payload: { manifestSha256: res.manifestSha256, captureIds: expect.arrayContaining(['a1', 'b1']), signerFingerprint: identity.fingerprint } });
    expect(res.event.seq).toBe(last.seq);
    // The bundle's ledger ends right before its own 'exported' event.
    expect(res.manifest.ledger).toMatchObject({ count: last.seq - 1, headHash: last.prevHash });
    const zip = await blobBytes(res.blob);
    expect((await verifyBundle(zip)).ok).toBe(true);
    expect(new TextDecoder().decode((await unzipAll(zip)).get('ledger.jsonl'))).not.toContain('"z9"');
  });

  it('exports a selection in order, and the next export shows the previous one in its chain', async () => {
    const caps = [await makeCapture('s1'), await makeCapture('s2')];
    const db = await store(caps);
    const first = await exportFromStore(db, { captureIds: ['s2'] });
    expect(first.manifest.captures.map((c) => c.id)).toEqual(['s2']);
    const second = await exportFromStore(db, { captureIds: ['s2', 's1'] });
    expect(second.manifest.captures.map((c) => c.id)).toEqual(['s2', 's1']);
    expect(second.manifest.ledger!.headHash).toBe(first.event.hash);
    expect((await verifyBundle(await blobBytes(second.blob))).ok).toBe(true);
  });

  it('refuses unknown or deleted captures and missing files, and writes no event then', async () => {
    const c = await makeCapture('d1');
    const db = await store([c]);
    await expect(exportFromStore(db, { captureIds: ['nope'] })).rejects.toThrow('capture nope does not exist');
    await db.blobs.delete('captures/d1/text.txt');
    await expect(exportFromStore(db, { captureIds: ['d1'] })).rejects.toThrow('the file captures/d1/text.txt is missing from the store');
    await db.captures.update('d1', { deleted: 1 });
    await expect(exportFromStore(db, { captureIds: ['d1'] })).rejects.toThrow('capture d1 was deleted');
    expect((await readLedger(db)).some((e) => e.type === 'exported')).toBe(false);
  });
});
