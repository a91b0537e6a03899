import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EvidenceDB } from '../../src/store/db';
import { getArtifactBlob, holdCaptureFiles, setArtifactFiles, sweepArtifactFiles, SWEEP_GRACE_MS } from '../../src/store/artifacts';
import { PACK_LOCK, packLoose, removeDeletedFiles, sweepPacks } from '../../src/store/packs';
import { deleteCapture } from '../../src/store/delete';
import { seedCaptures } from '../../src/store/seed';
import { verifyStoredLedger } from '../../src/store/ledger-store';
import { exportFromStore } from '../../src/bundle/export-store';
import type { PartsWriter } from '../../src/bundle/export';
import { verifyBundle } from '../../src/bundle/verify';
import type { FileRef } from '../../src/bundle/zip-writer';
import { blobBytes } from '../bundle/fixtures';
import { memoryPackedFiles } from './memory-files';
import { withFakeLocks } from './fake-locks';

let n = 0;
let db: EvidenceDB;
let files: ReturnType<typeof memoryPackedFiles>;
beforeEach(() => {
  db = new EvidenceDB(`packs-test-${n++}-${Math.random()}`);
  files = memoryPackedFiles();
  setArtifactFiles(files);
});
afterEach(() => setArtifactFiles(undefined));

/** Seeds `count` captures (one minute apart) and returns their ids, oldest first, and their own files. */
async function seed(count: number): Promise<{ ids: string[]; own: Map<string, Uint8Array> }> {
  const ids = await seedCaptures(db, count, { index: false });
  const own = new Map(ids.map((id) => [id, files.files.get(id)!.bytes.slice()]));
  return { ids, own };
}

async function artifactBytes(): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const b of await db.blobs.toArray()) out.set(b.path, new Uint8Array(await (await getArtifactBlob(db, b.path))!.arrayBuffer()));
  return out;
}

const sizeOf = (own: Map<string, Uint8Array>, id: string): number => own.get(id)!.length;

describe('packs of capture chunks', () => {
  it('merges loose chunks oldest first into packs, reads them back, and a bundle takes each run of neighbours as one part', async () => {
    const { ids, own } = await seed(5);
    const rows = await db.captures.bulkGet(ids);
    expect(rows.every((r) => r!.loose === 1 && r!.chunk && r!.chunk.pack === undefined)).toBe(true);
    const before = await artifactBytes();
    // Small seeded captures stay loose under the default threshold (as after each capture).
    expect(await packLoose(db)).toBe(0);

    // Room for three chunks per pack: two packs, [0,1,2] and [3,4].
    const max = sizeOf(own, ids[0]!) + sizeOf(own, ids[1]!) + sizeOf(own, ids[2]!);
    expect(await packLoose(db, { minBytes: 0, maxBytes: max })).toBe(5);
    expect(files.files.size).toBe(0); // their own files went
    expect(files.packFiles.size).toBe(2);
    const after = await db.captures.bulkGet(ids);
    const [p1, p2] = [after[0]!.chunk!.pack!, after[3]!.chunk!.pack!];
    expect(p1).not.toBe(p2);
    let at = 0;
    for (let i = 0; i < 3; i++) {
      expect(after[i]!.chunk).toMatchObject({ pack: p1, at, size: sizeOf(own, ids[i]!) });
      expect(after[i]!.loose).toBeUndefined();
      at += sizeOf(own, ids[i]!);
    }
    // A pack is its captures' former files back to back, byte for byte.
    const joined = (a: string[]) => Buffer.concat(a.map((id) => own.get(id)!));
    expect(Buffer.from(files.packFiles.get(p1)!.bytes)).toEqual(joined(ids.slice(0, 3)));
    expect(Buffer.from(files.packFiles.get(p2)!.bytes)).toEqual(joined(ids.slice(3)));
    expect((await db.blobs.where('captureId').equals(ids[4]!).toArray()).every((b) => b.pack === p2 && b.at === sizeOf(own, ids[3]!))).toBe(true);
    // Every artifact reads back the same bytes from its pack.
    expect(await artifactBytes()).toEqual(before);

    // Asked for newest first: the manifest keeps that order, the zip lays captures out by pack,
    // and the five chunks become two Blob parts.
    const res = await exportFromStore(db, { captureIds: [...ids].reverse() });
    expect(res.written).toBe('composed');
    expect(res.storedParts).toBe(2);
    expect(res.manifest.captures.map((c) => c.id)).toEqual([...ids].reverse());
    expect((await verifyBundle(await blobBytes(res.blob))).ok).toBe(true);
    expect(await verifyStoredLedger(db)).toMatchObject({ ok: true });
  });

  it('counts parts by runs: a selection with a gap in a pack is two parts of it', async () => {
    const { ids } = await seed(4);
    await packLoose(db, { minBytes: 0 });
    expect(files.packFiles.size).toBe(1);
    const res = await exportFromStore(db, { captureIds: [ids[0]!, ids[1]!, ids[3]!] });
    expect(res.storedParts).toBe(2);
    expect((await verifyBundle(await blobBytes(res.blob))).ok).toBe(true);
    // One part over composeMax 1: not composed.
    const streamed = await exportFromStore(db, { captureIds: [ids[0]!, ids[1]!, ids[3]!] }, { composeMax: 1 });
    expect(streamed.written).toBe('streamed');
    expect((await verifyBundle(await blobBytes(streamed.blob))).ok).toBe(true);
  });

  it('hands a PartsWriter the packs by name and offset, neighbours joined', async () => {
    const { ids, own } = await seed(3);
    Object.assign(files, { opfsPath: (id: string) => `artifacts/${id}` });
    await packLoose(db, { minBytes: 0 });
    const pack = (await db.captures.get(ids[0]!))!.chunk!.pack!;
    let refs: FileRef[] = [];
    const writer: PartsWriter = {
      async write(parts, opts) {
        refs = parts.filter((p): p is FileRef => !(p instanceof Uint8Array));
        // Copies what it was given, from the pack, as the worker would.
        const bytes = parts.map((p) => (p instanceof Uint8Array ? p : files.packFiles.get(p.opfsPath.slice('packs/'.length))!.bytes.subarray(p.offset ?? 0, (p.offset ?? 0) + p.size)));
        return new Blob(bytes as BlobPart[], { type: opts.type });
      },
      discard() {},
    };
    const res = await exportFromStore(db, { captureIds: ids }, { composeMax: 0, partsWriter: async () => writer });
    expect(res.written).toBe('copied');
    expect(refs).toEqual([{ opfsPath: `packs/${pack}`, offset: 0, size: ids.reduce((s, id) => s + sizeOf(own, id), 0), label: `captures/${ids[0]}/` }]);
    expect((await verifyBundle(await blobBytes(res.blob))).ok).toBe(true);
  });

  it('drops a pack when a capture in it is deleted while it is written; the next run packs the rest', async () => {
    const { ids } = await seed(4);
    files.onPackWrite = async () => {
      files.onPackWrite = null;
      await deleteCapture(db, ids[1]!);
    };
    expect(await packLoose(db, { minBytes: 0 })).toBe(0);
    expect(files.packFiles.size).toBe(0); // it held the deleted capture's bytes
    expect((await db.captures.get(ids[0]!))!.loose).toBe(1);
    expect(await packLoose(db, { minBytes: 0 })).toBe(3);
    expect(files.packFiles.size).toBe(1);
    expect((await db.captures.get(ids[1]!))!.chunk).toBeUndefined();
  });

  it('erases a deleted capture from its pack at once, rewrites a pack left mostly empty, and removes the pack with its last capture', async () => {
    const { ids, own } = await seed(3);
    await packLoose(db, { minBytes: 0 });
    const [pack] = [...files.packFiles.keys()] as [string];
    const size = files.packFiles.get(pack)!.bytes.length;
    const at = sizeOf(own, ids[0]!);
    const mid = sizeOf(own, ids[1]!);
    await deleteCapture(db, ids[1]!);
    const bytes = files.packFiles.get(pack)!.bytes;
    expect(bytes.length).toBe(size); // the others keep their offsets
    expect(bytes.subarray(at, at + mid).every((b) => b === 0)).toBe(true);
    expect(Buffer.from(bytes.subarray(0, at))).toEqual(Buffer.from(own.get(ids[0]!)!));
    expect(Buffer.from(bytes.subarray(at + mid))).toEqual(Buffer.from(own.get(ids[2]!)!));
    const tomb = (await db.captures.get(ids[1]!))!;
    expect(tomb).toMatchObject({ deleted: 1 });
    expect(tomb.erase).toBeUndefined(); // done
    const res = await exportFromStore(db, { captureIds: [ids[0]!, ids[2]!] });
    expect((await verifyBundle(await blobBytes(res.blob))).ok).toBe(true);

    // Two of three gone: what is left fills less than half the pack, so it moves to a new pack
    // of its own bytes only, and the old pack (holes and all) goes.
    const before = await artifactBytes();
    await deleteCapture(db, ids[0]!);
    expect(files.packFiles.has(pack)).toBe(false);
    expect(files.packFiles.size).toBe(1);
    const [moved] = [...files.packFiles.keys()] as [string];
    expect(Buffer.from(files.packFiles.get(moved)!.bytes)).toEqual(Buffer.from(own.get(ids[2]!)!));
    expect((await db.captures.get(ids[2]!))!.chunk).toMatchObject({ pack: moved, at: 0 });
    expect((await db.blobs.where('captureId').equals(ids[2]!).toArray()).every((b) => b.pack === moved && b.at === 0)).toBe(true);
    expect((await db.captures.where('erase.pack').above('').count())).toBe(0);
    const left = await artifactBytes();
    for (const [path, bytes] of left) expect(bytes).toEqual(before.get(path));
    expect((await verifyBundle(await blobBytes((await exportFromStore(db, { captureIds: [ids[2]!] })).blob))).ok).toBe(true);
    await deleteCapture(db, ids[2]!);
    expect(files.packFiles.size).toBe(0);
    expect(await verifyStoredLedger(db)).toMatchObject({ ok: true });
  });

  it('sweeps packs no row names once they are old, and own files left behind by a merge', async () => {
    const { ids, own } = await seed(2);
    await packLoose(db, { minBytes: 0 });
    await files.packs.write('crashed-merge', [new Blob([new Uint8Array(100)])]);
    const t0 = files.clock;
    expect(await sweepPacks(db, t0 + 1000)).toBe(0); // too young: its merge may be committing
    expect(await sweepPacks(db, t0 + SWEEP_GRACE_MS + 1)).toBe(1);
    expect(files.packFiles.size).toBe(1); // the live pack stays
    // A merge whose file removal was put off (an export was reading): the sweep takes the file at
    // once, however young, since the row points at the pack now.
    await files.write(ids[0]!, own.get(ids[0]!)!);
    expect(await sweepArtifactFiles(db, t0)).toBe(1);
    expect(files.files.size).toBe(0);
  });

  describe('while an export holds the files', () => {
    withFakeLocks();

    it('a deleted packed capture keeps its bytes until the export lets go; then they are erased', async () => {
      const { ids, own } = await seed(3); // two of three stay: erased in place, not rewritten
      await packLoose(db, { minBytes: 0 });
      const [pack] = [...files.packFiles.keys()] as [string];
      const release = await holdCaptureFiles();
      await deleteCapture(db, ids[0]!);
      expect((await db.captures.get(ids[0]!))!.erase).toEqual({ pack, at: 0, size: sizeOf(own, ids[0]!) });
      expect(Buffer.from(files.packFiles.get(pack)!.bytes.subarray(0, sizeOf(own, ids[0]!)))).toEqual(Buffer.from(own.get(ids[0]!)!));
      // Neither the sweep nor a merge touches it meanwhile.
      expect(await sweepPacks(db, files.clock + SWEEP_GRACE_MS + 1)).toBe(0);
      expect(files.erasures).toBe(0);
      await release();
      await removeDeletedFiles(db);
      expect(files.packFiles.get(pack)!.bytes.subarray(0, sizeOf(own, ids[0]!)).every((b) => b === 0)).toBe(true);
      expect((await db.captures.get(ids[0]!))!.erase).toBeUndefined();
    });

    it('one merge at a time: another context merging makes this one skip', async () => {
      await seed(2);
      let inner = -1;
      await navigator.locks.request(PACK_LOCK, {}, async () => {
        inner = await packLoose(db, { minBytes: 0 });
      });
      expect(inner).toBe(0);
      expect(await packLoose(db, { minBytes: 0 })).toBe(2);
    });

    it('a merge during an export leaves the captures’ own files for the sweep', async () => {
      const { ids } = await seed(2);
      const release = await holdCaptureFiles();
      expect(await packLoose(db, { minBytes: 0 })).toBe(2);
      expect(files.files.size).toBe(2);
      await release();
      expect(await sweepArtifactFiles(db)).toBe(2);
      expect((await db.captures.get(ids[0]!))!.chunk!.pack).toBeDefined();
    });
  });
});
