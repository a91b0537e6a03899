import 'fake-indexeddb/auto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EvidenceDB } from '../../src/store/db';
import { artifactFiles, getArtifactBlob, holdCaptureFiles, prepareArtifact, readArtifact, setArtifactFiles, sweepArtifactFiles, SWEEP_GRACE_MS, upgradeArtifacts } from '../../src/store/artifacts';
import { removeDeletedFiles } from '../../src/store/packs';
import { getArtifact, saveCapture, StoreError, type NewCapture } from '../../src/store/captures';
import { deleteCapture } from '../../src/store/delete';
import { seedCaptures } from '../../src/store/seed';
import { ensureDefaultCase } from '../../src/store/cases';
import { appendEvent, verifyStoredLedger } from '../../src/store/ledger-store';
import { exportFromStore } from '../../src/bundle/export-store';
import type { PartsWriter } from '../../src/bundle/export';
import { verifyBundle } from '../../src/bundle/verify';
import { crc32 } from '../../src/bundle/zip-writer';
import { blobBytes, makeCapture, tempDir, unzipAll } from '../bundle/fixtures';
import { memoryArtifactFiles } from './memory-files';
import { withFakeLocks } from './fake-locks';
import { newCapture as newCaptureOf } from './new-capture';

const enc = new TextEncoder();
const TEXT = enc.encode('河南村镇银行储户到郑州维权，健康码被赋红码。\n'.repeat(200));

function random(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
}

/** A Blob that refuses to be read through its own methods: a composed bundle never reads it. */
class UnreadBlob extends Blob {
  override arrayBuffer(): Promise<ArrayBuffer> {
    throw new Error('a stored body was read');
  }
  override stream(): ReturnType<Blob['stream']> {
    throw new Error('a stored body was read');
  }
  override slice(): Blob {
    throw new Error('a stored body was read');
  }
  override text(): Promise<string> {
    throw new Error('a stored body was read');
  }
}

let n = 0;
let db: EvidenceDB;
beforeEach(() => {
  db = new EvidenceDB(`artifacts-test-${n++}-${Math.random()}`);
});
afterEach(() => setArtifactFiles(undefined));

function newCapture(id: string, caseId = 'default', bytes = TEXT): Promise<NewCapture> {
  return newCaptureOf(id, caseId, [
    { kind: 'text', mediaType: 'text/plain; charset=utf-8', bytes },
    { kind: 'screenshot-visible', mediaType: 'image/png', bytes: random(5000) },
  ]);
}

describe('stored artifact form', () => {
  it('deflates compressible files once, stores the rest, and reads back the exact bytes and type', async () => {
    const text = await prepareArtifact('captures/x/text.txt', 'text/plain; charset=utf-8', TEXT);
    expect(text.zip).toEqual({ method: 8, crc: crc32(TEXT), csize: text.body.length, size: TEXT.length });
    expect(text.body.length).toBeLessThan(TEXT.length / 10);
    const png = random(3000);
    const shot = await prepareArtifact('captures/x/screenshot-visible.png', 'image/png', png);
    expect(shot.zip).toMatchObject({ method: 0, crc: crc32(png), csize: 3000, size: 3000 });
    // Text that does not deflate is stored too.
    const noise = await prepareArtifact('captures/x/page.html', 'text/html', random(3000));
    expect(noise.zip.method).toBe(0);

    const back = await readArtifact({ path: text.path, captureId: 'x', type: text.type, zip: text.zip, data: new Blob([text.body as BlobPart]) });
    expect(back.type).toBe('text/plain; charset=utf-8');
    expect(new Uint8Array(await back.arrayBuffer())).toEqual(TEXT);
    // A row from before stored bodies: raw bytes in data, read as they are.
    const old = await readArtifact({ path: 'captures/x/text.txt', captureId: 'x', data: new Blob([TEXT as BlobPart], { type: 'text/plain' }) });
    expect(new Uint8Array(await old.arrayBuffer())).toEqual(TEXT);
  });
});

describe('artifact files', () => {
  it('a saved capture keeps its bodies in the files, its rows in the store, and reads back as captured', async () => {
    const files = memoryArtifactFiles();
    setArtifactFiles(files);
    await ensureDefaultCase(db);
    await saveCapture(db, await newCapture('c1'));
    // One file: record.json, then the artifacts, each a whole zip entry; the rows say where.
    const file = files.files.get('c1')!.bytes;
    const row = (await db.captures.get('c1'))!;
    expect(row.chunk).toMatchObject({ size: file.length, record: { size: new TextEncoder().encode(row.recordJson).length } });
    const rows = await db.blobs.where('captureId').equals('c1').toArray();
    expect(rows.map((r) => [r.file, r.data, typeof r.offset])).toEqual([
      [1, undefined, 'number'],
      [1, undefined, 'number'],
    ]);
    for (const r of rows) expect(new DataView(file.buffer, file.byteOffset + r.offset!).getUint32(0, true), r.path).toBe(0x04034b50);
    // The row lists the same entries, so that an export need not read the artifact rows.
    expect(row.chunk!.entries).toEqual([...rows].sort((a, b) => a.offset! - b.offset!).map((r) => ({ path: r.path, offset: r.offset, zip: r.zip })));
    expect(new Uint8Array(await (await getArtifact(db, 'captures/c1/text.txt')).arrayBuffer())).toEqual(TEXT);
    // Inline, without artifact files, the same capture reads back the same.
    setArtifactFiles(null);
    await saveCapture(db, await newCapture('c2'));
    expect((await db.blobs.get('captures/c2/text.txt'))!.data).toBeInstanceOf(Blob);
    expect(new Uint8Array(await (await getArtifact(db, 'captures/c2/text.txt')).arrayBuffer())).toEqual(TEXT);
  });

  it('a failed save leaves neither rows nor files: a failed transaction, a full disk', async () => {
    const files = memoryArtifactFiles();
    setArtifactFiles(files);
    await ensureDefaultCase(db);
    await expect(saveCapture(db, await newCapture('f1', 'no-such-case'))).rejects.toBeInstanceOf(StoreError);
    expect(files.files.has('f1')).toBe(false);
    files.failWritesAfter = 0; // the disk is full
    const err = await saveCapture(db, await newCapture('f2')).catch((e: StoreError) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('quota');
    expect(files.files.has('f2')).toBe(false);
    expect(await db.captures.count()).toBe(0);
    expect(await db.blobs.count()).toBe(0);
  });

  it('deleting a capture removes its files; the sweep removes orphans past the grace time only', async () => {
    const files = memoryArtifactFiles();
    setArtifactFiles(files);
    const ids = await seedCaptures(db, 3, { index: false });
    await deleteCapture(db, ids[0]!);
    expect(files.files.has(ids[0]!)).toBe(false);
    expect((await db.captures.get(ids[0]!))!.chunk).toBeUndefined();
    expect((await db.captures.get(ids[1]!))!.chunk).toBeDefined();
    expect(await getArtifactBlob(db, `captures/${ids[1]}/text.txt`)).not.toBeNull();
    expect((await verifyStoredLedger(db)).ok).toBe(true);

    // Folders with no live capture: a crash between files and transaction, a deletion whose removal failed.
    const t0 = files.clock;
    await files.write('crashed', TEXT);
    await db.captures.update(ids[1]!, { deleted: 1 });
    expect(await sweepArtifactFiles(db, t0 + 1000)).toBe(0); // all too young: a save may be running
    expect(await sweepArtifactFiles(db, t0 + SWEEP_GRACE_MS + 1)).toBe(2);
    expect([...files.files.keys()]).toEqual([ids[2]]);
  });
});

describe('capture files an export holds', () => {
  withFakeLocks();

  it('a capture deleted during an export keeps its file until the export lets go, then loses it', async () => {
    const files = memoryArtifactFiles();
    setArtifactFiles(files);
    const ids = await seedCaptures(db, 3, { index: false });
    const release = await holdCaptureFiles();
    await deleteCapture(db, ids[0]!);
    expect((await db.captures.get(ids[0]!))!.deleted).toBe(1); // deleted at once, in the store
    expect(files.files.has(ids[0]!)).toBe(true); // but the export may still read the file
    // The sweep does not take it either while the export runs, however old it is.
    expect(await sweepArtifactFiles(db, files.clock + SWEEP_GRACE_MS + 1)).toBe(0);
    expect(files.files.has(ids[0]!)).toBe(true);
    await release();
    await removeDeletedFiles(db);
    expect(files.files.has(ids[0]!)).toBe(false);
    expect([...files.files.keys()].sort()).toEqual([ids[1]!, ids[2]!].sort());
    // With no export running, a deletion removes the file at once.
    await deleteCapture(db, ids[1]!);
    expect([...files.files.keys()]).toEqual([ids[2]]);
  });
});

describe('export of stored bodies', () => {
  it('composes the zip from the stored bodies without reading one, and the bundle verifies', async () => {
    const files = memoryArtifactFiles({ bodyClass: UnreadBlob });
    setArtifactFiles(files);
    const ids = await seedCaptures(db, 4, { index: false });
    const res = await exportFromStore(db, { captureIds: ids });
    expect(files.reads).toBe(4); // one capture file each, none of them read
    const zip = await blobBytes(res.blob);
    const v = await verifyBundle(zip);
    expect(v.ok).toBe(true);
    // verifyBundle checked every file against the hash the record made at capture.
    expect([...(await unzipAll(zip)).keys()].filter((p) => p.startsWith('captures/')).length).toBe(4 * 4);

    // Stock tools agree: unzip tests every CRC, sha256sum -c every file.
    const dir = tempDir('jz-compose-');
    writeFileSync(join(dir, 'b.zip'), zip);
    execFileSync('unzip', ['-tq', 'b.zip'], { cwd: dir });
    execFileSync('unzip', ['-q', 'b.zip', '-d', 'x'], { cwd: dir });
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: join(dir, 'x') }).toString()).toBe('');
    expect(readFileSync(join(dir, 'x', 'captures', ids[0]!, 'text.txt'), 'utf8')).toContain('\n');
  });

  it('streams a selection larger than composeMax, reading the bodies, and it verifies the same', async () => {
    setArtifactFiles(memoryArtifactFiles({ bodyClass: UnreadBlob }));
    const ids = await seedCaptures(db, 3, { index: false });
    await expect(exportFromStore(db, { captureIds: ids }, { composeMax: 2 })).rejects.toThrow('a stored body was read');
    setArtifactFiles(memoryArtifactFiles({ files: (artifactFiles() as ReturnType<typeof memoryArtifactFiles>).files }));
    const res = await exportFromStore(db, { captureIds: ids }, { composeMax: 2 });
    expect((await verifyBundle(await blobBytes(res.blob))).ok).toBe(true);
  });

  it('over composeMax, a PartsWriter gets the capture files by name, unread, and the bundle verifies; without one it streams', async () => {
    // The memory store's methods count on the object itself: add the OPFS path to it, not to a copy.
    const files = Object.assign(memoryArtifactFiles({ bodyClass: UnreadBlob }), { opfsPath: (id: string) => `artifacts/${id}` });
    setArtifactFiles(files);
    const ids = await seedCaptures(db, 3, { index: false });
    let named = 0;
    const partsWriter = async (): Promise<PartsWriter> => ({
      // What the worker does: bytes as they are, each named file's bytes in its place.
      async write(parts, { type, onProgress }) {
        const total = parts.reduce((n, p) => n + (p instanceof Uint8Array ? p.length : p.size), 0);
        const first = parts.findIndex((p) => !(p instanceof Uint8Array));
        onProgress?.(total / 2, first);
        onProgress?.(total, parts.length - 1);
        const out = parts.map((p) => {
          if (p instanceof Uint8Array) return p;
          named++;
          const f = files.files.get(p.opfsPath.replace(/^artifacts\//, ''))!;
          expect(f.bytes.length).toBe(p.size);
          return f.bytes;
        });
        return new Blob(out as BlobPart[], { type });
      },
      discard() {},
    });
    const zipPhase: number[] = [];
    const zipFiles: (string | null)[] = [];
    const res = await exportFromStore(db, { captureIds: ids }, { composeMax: 2, partsWriter, onProgress: (p) => p.phase === 'zip' && zipPhase.push(Math.round(p.percent)) && zipFiles.push(p.currentFile) });
    expect(res.written).toBe('copied');
    // The zip phase's progress is the copy's (listing the parts is instant and not reported).
    expect(zipPhase).toEqual([50, 100]);
    expect(zipFiles[0]).toMatch(/^captures\/[^/]+\/$/); // the capture folder being copied
    expect(named).toBe(3);
    expect(files.reads).toBe(0); // no capture file was opened as a Blob, let alone read
    expect((await verifyBundle(await blobBytes(res.blob))).ok).toBe(true);
    // A browser without the worker (the factory gives null): streamed, reading the bodies.
    setArtifactFiles(memoryArtifactFiles({ files: files.files }));
    const streamed = await exportFromStore(db, { captureIds: ids }, { composeMax: 2, partsWriter: async () => null });
    expect(streamed.written).toBe('streamed');
    expect((await verifyBundle(await blobBytes(streamed.blob))).ok).toBe(true);
  });

  it('streams when some captures predate stored bodies or the bundle is encrypted, and still verifies', async () => {
    setArtifactFiles(memoryArtifactFiles());
    const ids = await seedCaptures(db, 2, { index: false });
    const legacy = await makeCapture('old1');
    await db.transaction('rw', db.captures, db.blobs, db.ledger, async () => {
      await db.captures.put(legacy.row);
      for (const [path, data] of legacy.blobs) await db.blobs.put({ path, captureId: 'old1', data });
      await appendEvent(db, 'captured', 'old1', { hash: legacy.row.hash });
    });
    const res = await exportFromStore(db, { captureIds: [...ids, 'old1'] });
    expect((await verifyBundle(await blobBytes(res.blob))).ok).toBe(true);

    const dir = tempDir('jz-compose-age-');
    execFileSync('age-keygen', ['-o', join(dir, 'key.txt')], { stdio: 'ignore' });
    const recipient = /public key: (age1\S+)/.exec(readFileSync(join(dir, 'key.txt'), 'utf8'))![1]!;
    const enc = await exportFromStore(db, { captureIds: ids }, { age: { recipients: [recipient] } });
    writeFileSync(join(dir, 'b.zip.age'), await blobBytes(enc.blob));
    execFileSync('age', ['-d', '-i', 'key.txt', '-o', 'b.zip', 'b.zip.age'], { cwd: dir });
    expect((await verifyBundle(new Uint8Array(readFileSync(join(dir, 'b.zip'))))).ok).toBe(true);
  });

  it('fails with a precise error when a stored file is missing or has the wrong size', async () => {
    const files = memoryArtifactFiles();
    setArtifactFiles(files);
    const ids = await seedCaptures(db, 2, { index: false });
    const kept = files.files.get(ids[0]!)!;
    kept.bytes = kept.bytes.subarray(0, kept.bytes.length - 1);
    await expect(exportFromStore(db, { captureIds: ids })).rejects.toThrow(`capture folder captures/${ids[0]}/: the stored file has ${kept.bytes.length} bytes where ${kept.bytes.length + 1} were recorded (store damaged?)`);
    files.files.delete(ids[0]!);
    await expect(exportFromStore(db, { captureIds: ids })).rejects.toThrow(`capture ${ids[0]}: its file is missing from the store`);
  });
});

describe('upgrade of captures stored before the zip-entry form', () => {
  async function legacyStore(ids: string[]): Promise<void> {
    for (const id of ids) {
      const c = await makeCapture(id);
      await db.transaction('rw', db.captures, db.blobs, db.ledger, async () => {
        await db.captures.put(c.row);
        for (const [path, data] of c.blobs) await db.blobs.put({ path, captureId: id, data });
        await appendEvent(db, 'captured', id, { hash: c.row.hash });
      });
    }
  }

  it('converts intact captures, leaves damaged and deleted ones as they are, and exports them composed', async () => {
    const files = memoryArtifactFiles();
    setArtifactFiles(files);
    await legacyStore(['u1', 'u2', 'bad', 'gone', 'partial']);
    await db.blobs.delete('captures/partial/text.txt'); // a file lost: left for export to report
    const before = new Uint8Array(await (await getArtifact(db, 'captures/u1/snapshot.html')).arrayBuffer());
    await db.blobs.put({ path: 'captures/bad/text.txt', captureId: 'bad', data: new Blob(['edited after capture']) });
    await deleteCapture(db, 'gone');
    expect(await upgradeArtifacts(db)).toEqual({ converted: 2, left: 2 });
    // Converted: rows point at files, the bytes read back the same.
    const u1 = await db.blobs.where('captureId').equals('u1').toArray();
    expect(u1.every((r) => r.file === 1 && r.zip && !r.data)).toBe(true);
    expect(new Uint8Array(await (await getArtifact(db, 'captures/u1/snapshot.html')).arrayBuffer())).toEqual(before);
    // The damaged one keeps its (wrong) bytes inline, so that verification can show them.
    expect(await (await db.blobs.get('captures/bad/text.txt'))!.data!.text()).toBe('edited after capture');
    expect(files.files.has('bad')).toBe(false);
    // Run again: nothing left to do.
    expect(await upgradeArtifacts(db)).toEqual({ converted: 0, left: 2 });
    expect(files.files.has('partial')).toBe(false);

    // The same files, whose bodies must now come unread: the upgraded captures export composed.
    const unread = memoryArtifactFiles({ bodyClass: UnreadBlob, files: files.files });
    setArtifactFiles(unread);
    const res = await exportFromStore(db, { captureIds: ['u1', 'u2'] });
    expect(unread.reads).toBe(2);
    expect((await verifyBundle(await blobBytes(res.blob))).ok).toBe(true);
  });
});
