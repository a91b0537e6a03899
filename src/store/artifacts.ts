/**
 * Artifact bytes: kept in the form a bundle's zip entry needs (src/bundle/zip-writer.ts
 * prepareEntry: CRC-32 known, compressible files deflated once, at capture), so that an export
 * never reads them (src/bundle/export.ts, compose mode).
 *
 * Where they live: where the browser has the Origin Private File System, as one chunk per capture
 * holding record.json and the artifacts as whole zip entries (buildChunk), which a bundle takes as
 * it is; else each body inline in its `blobs` row. A chunk is first a file of its own,
 * `artifacts/<capture id>`; small ones are later merged with their neighbours into packs,
 * `packs/<name>` (src/store/packs.ts), because a bundle pays per stored file it is composed of. The
 * `blobs` rows (zip facts, offsets, pack) are the index either way and are written in the capture's
 * one Dexie transaction; the file is written just before it and removed again if it fails. Files a
 * crash left without a live capture are swept by sweepArtifactFiles and sweepPacks.
 *
 * Why: on the benchmark machine a browser saves a Blob composed of 1,000 OPFS files at 220–330
 * MB/s, one composed of 2,000 IndexedDB Blobs at 72–99 MB/s, and each part and each file lookup
 * costs (bench/notes.md); the export target is 100 MB/s of bundle.
 *
 * Rows written before this (no `zip`) hold the raw bytes in `data`; every reader here handles both,
 * and upgradeArtifacts converts them.
 */
import type { EvidenceDB } from './db';
import type { BlobRow, CaptureRow } from './schema';
import { bodyOffset, buildChunk, prepareEntry, storedType, type ZipReady } from '../bundle/zip-writer';
import { recordPath } from '../bundle/format';
import { sha256Hex } from '../crypto/hash';
import { holdLock } from '../shared/locks';

/** One artifact ready to be stored: its zip-entry body and what the entry's headers need. */
export interface ArtifactBody {
  path: string;
  /** Media type of the artifact (not of the body). */
  type: string;
  body: Uint8Array;
  zip: ZipReady;
}

/** Makes the stored form of one artifact from its bytes (the bytes that were hashed). */
export async function prepareArtifact(path: string, type: string, bytes: Uint8Array): Promise<ArtifactBody> {
  const { body, zip } = await prepareEntry(bytes, storedType(type));
  return { path, type, body, zip };
}

/**
 * Where capture files are kept outside IndexedDB: one file per capture holding its zip entries
 * (record.json, then the artifacts), made by buildChunk. The OPFS is the browsers' implementation;
 * tests may install another (setArtifactFiles).
 */
export interface ArtifactFiles {
  readonly kind: string;
  write(captureId: string, bytes: Uint8Array): Promise<void>;
  /** The capture's file as a disk-backed Blob, or null when there is none. */
  read(captureId: string): Promise<Blob | null>;
  removeCapture(captureId: string): Promise<void>;
  /** The capture files present; their modification time is read only when asked for. */
  captures(): Promise<{ captureId: string; lastModified(): Promise<number> }[]>;
  /** Added: the capture file's path from the OPFS root, where the files are there (a worker can copy them). */
  opfsPath?(captureId: string): string;
  /** Added: packs of merged chunks (src/store/packs.ts); without them every chunk keeps its own file. */
  packs?: PackFiles;
}

/** Files of chunks merged back to back. A pack is written whole, once; afterwards only erased in place. */
export interface PackFiles {
  /** Writes a new pack of these parts, in order; nothing of it stays if this fails. */
  write(name: string, parts: Blob[]): Promise<void>;
  read(name: string): Promise<Blob | null>;
  /** Overwrites these ranges with zeros (a deleted capture's bytes), keeping the pack's size. */
  erase(name: string, ranges: readonly { at: number; size: number }[]): Promise<void>;
  remove(name: string): Promise<void>;
  list(): Promise<{ name: string; lastModified(): Promise<number> }[]>;
  /** The pack's path from the OPFS root. */
  opfsPath?(name: string): string;
}

/** An OPFS error meaning the file or folder is not there. */
export function isNotFound(e: unknown): boolean {
  const name = (e as { name?: string })?.name;
  return name === 'NotFoundError' || name === 'TypeMismatchError';
}

const ROOT = 'artifacts';
const PACKS = 'packs';

/** A folder of the OPFS root, looked up once (again after a failure). */
function opfsDir(name: string): () => Promise<FileSystemDirectoryHandle> {
  let dir: Promise<FileSystemDirectoryHandle> | null = null;
  return () => {
    dir ??= navigator.storage.getDirectory().then((d) => d.getDirectoryHandle(name, { create: true }));
    dir.catch(() => (dir = null));
    return dir;
  };
}

async function readOpfs(dir: () => Promise<FileSystemDirectoryHandle>, name: string): Promise<File | null> {
  try {
    return await (await (await dir()).getFileHandle(name)).getFile();
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
}

async function removeOpfs(dir: () => Promise<FileSystemDirectoryHandle>, name: string): Promise<void> {
  await (await dir()).removeEntry(name).catch((e: unknown) => {
    if (!isNotFound(e)) throw e;
  });
}

async function listOpfs(dir: () => Promise<FileSystemDirectoryHandle>): Promise<{ name: string; lastModified(): Promise<number> }[]> {
  const out: { name: string; lastModified(): Promise<number> }[] = [];
  for await (const handle of ((await dir()) as unknown as { values(): AsyncIterable<FileSystemHandle> }).values()) {
    if (handle.kind === 'file') out.push({ name: handle.name, lastModified: async () => (await (handle as FileSystemFileHandle).getFile()).lastModified });
  }
  return out;
}

/**
 * Packs in the OPFS: `packs/<name>`. Written through one writable stream (the browser copies the
 * parts, which are OPFS files, without the page reading them). Erasing opens the pack with its data
 * kept, which Chromium copies to a swap file first: ~20 ms per MB measured, so packs stay small
 * (PACK_MAX).
 */
function opfsPackFiles(): PackFiles {
  const dir = opfsDir(PACKS);
  return {
    opfsPath: (name) => `${PACKS}/${name}`,
    async write(name, parts) {
      const w = await (await (await dir()).getFileHandle(name, { create: true })).createWritable();
      try {
        for (const p of parts) await w.write(p);
        await w.close();
      } catch (e) {
        await w.abort().catch(() => {});
        await removeOpfs(dir, name).catch(() => {});
        throw e;
      }
    },
    read: (name) => readOpfs(dir, name),
    async erase(name, ranges) {
      const w = await (await (await dir()).getFileHandle(name)).createWritable({ keepExistingData: true });
      try {
        for (const r of ranges) await w.write({ type: 'write', position: r.at, data: new Uint8Array(r.size) });
        await w.close();
      } catch (e) {
        await w.abort().catch(() => {});
        throw e;
      }
    },
    remove: (name) => removeOpfs(dir, name),
    list: () => listOpfs(dir),
  };
}

/** The OPFS implementation: `artifacts/<captureId>`, one flat folder (one lookup per capture), and packs. */
export function opfsArtifactFiles(): ArtifactFiles {
  const rootDir = opfsDir(ROOT);
  return {
    kind: 'opfs',
    packs: opfsPackFiles(),
    opfsPath: (captureId) => `${ROOT}/${captureId}`,
    async write(captureId, bytes) {
      const w = await (await (await rootDir()).getFileHandle(captureId, { create: true })).createWritable();
      try {
        await w.write(bytes as Uint8Array<ArrayBuffer>);
        await w.close();
      } catch (e) {
        await w.abort().catch(() => {});
        throw e;
      }
    },
    read: (captureId) => readOpfs(rootDir, captureId),
    removeCapture: (captureId) => removeOpfs(rootDir, captureId),
    captures: async () => (await listOpfs(rootDir)).map((f) => ({ captureId: f.name, lastModified: f.lastModified })),
  };
}

function opfsAvailable(): boolean {
  return (
    typeof navigator !== 'undefined' &&
    typeof navigator.storage?.getDirectory === 'function' &&
    typeof FileSystemFileHandle !== 'undefined' &&
    'createWritable' in FileSystemFileHandle.prototype
  );
}

let installed: ArtifactFiles | null | undefined;

/** The artifact files of this context, or null where bodies stay inline in IndexedDB. */
export function artifactFiles(): ArtifactFiles | null {
  if (installed === undefined) installed = opfsAvailable() ? opfsArtifactFiles() : null;
  return installed;
}

/** Tests: install an implementation (null: inline only); undefined goes back to the default. */
export function setArtifactFiles(files: ArtifactFiles | null | undefined): void {
  installed = files;
}

const utf8 = new TextEncoder();

/** What a capture's stored form adds to its blobs rows and to its row. */
export interface StoredCapture {
  rows: BlobRow[];
  /**
   * The capture row's fields for it (empty when bodies are inline): `chunk` when it has a file, and
   * `loose` when that file is small enough to be merged into a pack later.
   */
  row: Pick<CaptureRow, 'chunk' | 'loose'>;
}

/**
 * Chunks up to this size are merged into packs (src/store/packs.ts): below it, a bundle's cost per
 * stored file (20–30 KB of browser memory) is large against the bytes; above it, merging buys little.
 */
export const LOOSE_MAX = 4 * 1024 * 1024;

/**
 * Stores the bodies of one capture and returns its `blobs` rows and its row's fields for them, for
 * the caller's transaction. With artifact files: one file holding record.json and the artifacts as zip
 * entries dated `capturedAt`. Without: each body inline in its row. If the file cannot be written,
 * nothing of it stays and the error is thrown (a QuotaExceededError keeps its name). When the
 * caller's transaction fails afterwards, it calls removeArtifactFiles.
 */
export async function storeCaptureBodies(captureId: string, capturedAt: string, recordJson: string, items: readonly ArtifactBody[]): Promise<StoredCapture> {
  const files = artifactFiles();
  if (!files) return { rows: items.map((a) => ({ path: a.path, captureId, type: a.type, zip: a.zip, data: new Blob([a.body as BlobPart]) })), row: {} };
  const record = await prepareEntry(utf8.encode(recordJson), false);
  const { bytes, entries } = buildChunk([{ path: recordPath(captureId), ...record }, ...items], new Date(capturedAt));
  try {
    await files.write(captureId, bytes);
  } catch (e) {
    await files.removeCapture(captureId).catch(() => {});
    throw e;
  }
  return {
    rows: items.map((a, i) => ({ path: a.path, captureId, type: a.type, zip: a.zip, file: 1 as const, offset: entries[i + 1]!.offset })),
    row: { chunk: { size: bytes.length, record: record.zip, entries: entries.slice(1) }, ...(files.packs && bytes.length <= LOOSE_MAX ? { loose: 1 as const } : {}) },
  };
}

/**
 * Held in shared mode by each export from its start until its download has read the capture files
 * (a composed bundle reads them only then); a deletion meanwhile leaves the files for
 * removeDeletedFiles, rather than break the download. A Web Lock: per origin, across the
 * extension's pages, and released by the browser when a page goes away.
 */
export const CAPTURE_FILES_LOCK = 'jz-capture-files';

/** The context's Web Locks, or null (Node, tests). */
export function lockManager(): LockManager | null {
  return typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null;
}

/**
 * Takes a shared hold on the capture files; call the result to let go (no-op without Web Locks).
 * It settles once the hold is gone.
 */
export async function holdCaptureFiles(): Promise<() => Promise<void>> {
  const locks = lockManager();
  return locks ? holdLock(locks, CAPTURE_FILES_LOCK, { mode: 'shared' }) : async () => {};
}

/** Removes the capture files of captures that were never committed (a failed save). Never throws. */
export async function removeArtifactFiles(captureIds: readonly string[]): Promise<void> {
  const files = artifactFiles();
  if (!files) return;
  for (const id of captureIds) await files.removeCapture(id).catch(() => {});
}

/**
 * Runs `remove` under the capture-files lock if no export holds it; else gives `otherwise`. Every
 * removal or erasure of stored bytes goes through this.
 */
export async function unlessExporting<T>(remove: () => Promise<T>, otherwise: T): Promise<T> {
  const locks = lockManager();
  if (!locks) return remove();
  return (await locks.request(CAPTURE_FILES_LOCK, { mode: 'exclusive', ifAvailable: true }, (lock) => (lock ? remove() : otherwise))) as T;
}

/** A capture's own file (not packed), or a precise error. */
async function ownFile(captureId: string): Promise<Blob> {
  const file = await artifactFiles()?.read(captureId);
  if (!file) throw new Error(`capture ${captureId}: its file is missing from the store`);
  return file;
}

/** A stored pack as a Blob, or a precise error. */
export async function packFile(name: string): Promise<Blob> {
  const file = await artifactFiles()?.packs?.read(name);
  if (!file) throw new Error(`pack ${name}: the file is missing from the store`);
  return file;
}

/**
 * Where a capture's chunk is: its own file, or `size` bytes at `at` of a pack. `file` is read once
 * per call; pass a cache to read each pack once (an export).
 */
export async function chunkSpan(row: Pick<CaptureRow, 'id' | 'chunk'>, packs?: Map<string, Promise<Blob>>): Promise<{ file: Blob; start: number; end: number }> {
  const chunk = row.chunk;
  if (!chunk) throw new Error(`capture ${row.id} has no stored file`);
  if (chunk.pack === undefined) {
    const file = await ownFile(row.id);
    return { file, start: 0, end: file.size };
  }
  let file = packs?.get(chunk.pack);
  if (!file) {
    file = packFile(chunk.pack);
    packs?.set(chunk.pack, file);
  }
  const start = chunk.at ?? 0;
  const end = start + chunk.size;
  if (end > (await file).size) throw new Error(`capture ${row.id}: pack ${chunk.pack} is shorter than recorded (store damaged?)`);
  return { file: await file, start, end };
}

/** The stored body of a row: what a zip entry holds (deflated when row.zip.method is 8). */
export async function storedBody(row: BlobRow): Promise<Blob> {
  if (!row.file) {
    if (!row.data) throw new Error(`artifact ${row.path} has no bytes in the store`);
    return row.data;
  }
  const file = row.pack !== undefined ? await packFile(row.pack) : await ownFile(row.captureId);
  const start = (row.at ?? 0) + (row.offset ?? 0) + bodyOffset(row.path);
  const end = start + row.zip!.csize;
  if (end > file.size) throw new Error(`artifact ${row.path}: its capture file is shorter than recorded (store damaged?)`);
  return file.slice(start, end);
}

/** The artifact's own bytes (inflated when stored deflated), typed with its media type. */
export async function readArtifact(row: BlobRow): Promise<Blob> {
  const body = await storedBody(row);
  if (!row.zip) return body; // a row from before stored bodies: raw bytes, typed when stored
  const type = row.type ?? '';
  if (row.zip.method === 0) return body.slice(0, body.size, type);
  const raw = await new Response(body.stream().pipeThrough(new DecompressionStream('deflate-raw') as unknown as TransformStream<Uint8Array, Uint8Array>)).blob();
  return new Blob([raw], { type });
}

/** The artifact at `path`, or null when the store has no row for it. */
export async function getArtifactBlob(db: EvidenceDB, path: string): Promise<Blob | null> {
  const row = await db.blobs.get(path);
  return row ? readArtifact(row) : null;
}

/** Files younger than this are left alone by the sweep: their capture may be saving right now. */
export const SWEEP_GRACE_MS = 10 * 60_000;

/**
 * Removes capture files with no live capture: left by a save that crashed between its files and
 * its transaction, or by a deletion whose file removal failed; and those whose chunk has been
 * merged into a pack. Returns how many went. Packs are swept by sweepPacks.
 */
export async function sweepArtifactFiles(db: EvidenceDB, now = Date.now()): Promise<number> {
  const files = artifactFiles();
  if (!files) return 0;
  const gone: string[] = [];
  for (const { captureId, lastModified } of await files.captures()) {
    // The row first: most files belong to a live capture, and their times need not be read.
    const row = await db.captures.get(captureId);
    const live = !!row && !row.deleted;
    // A live capture's own file is its chunk, unless the chunk was merged into a pack since (the
    // merge leaves the file while an export holds it).
    if (live && row.chunk?.pack === undefined) continue;
    if (!live && now - (await lastModified()) < SWEEP_GRACE_MS) continue;
    gone.push(captureId);
  }
  if (!gone.length) return 0;
  const remove = async (): Promise<number> => {
    for (const id of gone) await files.removeCapture(id);
    return gone.length;
  };
  // Not while an export holds the files: the next sweep takes what this one leaves. The lock is
  // taken only for the removals, so a long listing never makes an export wait.
  return unlessExporting(remove, 0);
}

/**
 * Brings rows from before stored forms (raw bytes inline, no `zip`) into it, one capture per
 * transaction: bytes read, checked against the SHA-256 in the capture's record, prepared, written
 * like a new capture's, and the rows replaced. A capture whose bytes no longer match its record is
 * left exactly as it is, for export and verification to report; so is a deleted one. Safe to stop
 * at any point and run again. Returns how many captures were converted and left.
 */
export async function upgradeArtifacts(db: EvidenceDB, opts: { limit?: number } = {}): Promise<{ converted: number; left: number }> {
  const legacy = new Set<string>();
  await db.blobs.each((b) => {
    if (!b.zip) legacy.add(b.captureId);
  });
  let converted = 0;
  let left = 0;
  for (const captureId of legacy) {
    if (opts.limit !== undefined && converted >= opts.limit) break;
    const capture = await db.captures.get(captureId);
    const rows = await db.blobs.where('captureId').equals(captureId).toArray();
    // Converted only whole: every artifact of the record has its row, inline, not yet converted.
    const complete = !!capture && capture.artifacts.length === rows.length && capture.artifacts.every((a) => rows.some((r) => r.path === a.path));
    if (!capture || capture.deleted || !complete || rows.some((r) => r.zip || r.file || !r.data)) {
      left++;
      continue;
    }
    const items: ArtifactBody[] = [];
    let intact = true;
    for (const r of rows) {
      const entry = capture.artifacts.find((a) => a.path === r.path);
      const bytes = new Uint8Array(await r.data!.arrayBuffer());
      if (!entry || entry.size !== bytes.length || (await sha256Hex(bytes)) !== entry.sha256) {
        intact = false;
        break;
      }
      items.push(await prepareArtifact(r.path, entry.mediaType, bytes));
    }
    if (!intact) {
      left++;
      continue;
    }
    const next = await storeCaptureBodies(captureId, capture.capturedAt, capture.recordJson, items);
    // Files written but not used (the capture changed meanwhile, or the transaction failed) are not
    // removed here: another context may be converting the same capture into the same files. A
    // later run overwrites them; the sweep removes them once the capture is deleted.
    const done = await db.transaction('rw', db.blobs, db.captures, async () => {
      // Unchanged since read (not deleted, not converted by another context), or leave it.
      const now = await db.blobs.where('captureId').equals(captureId).toArray();
      const live = await db.captures.get(captureId);
      if (!live || live.deleted || now.length !== rows.length || now.some((r) => r.zip)) return false;
      await db.blobs.bulkPut(next.rows);
      await db.captures.update(captureId, next.row);
      return true;
    });
    if (done) converted++;
    else left++;
  }
  return { converted, left };
}
