/**
 * Artifact bytes: kept in the form a bundle's zip entry needs (src/bundle/zip-writer.ts
 * prepareEntry: CRC-32 known, compressible files deflated once, at capture), so that an export is a
 * list of headers around stored bodies that it never reads (src/bundle/export.ts, compose mode).
 *
 * Where the bodies live: in artifact files (the Origin Private File System in browsers that have
 * it: one folder per capture) when available, else inline in the `blobs` table as before. The
 * `blobs` row is the index either way and is written in the capture's one Dexie transaction; the
 * files are written just before it and removed again if it fails. Files a crash left without a row
 * (or whose capture was deleted) are swept by sweepArtifactFiles. Why files: a browser downloads a
 * Blob made of OPFS files at 200–330 MB/s on the benchmark machine, one made of IndexedDB Blobs at
 * 72–99 MB/s (bench/notes.md), and the bundle's export speed target is 100 MB/s.
 *
 * Rows written before this (no `zip`) hold the raw bytes in `data`; every reader here handles both.
 */
import type { EvidenceDB } from './db';
import type { BlobRow } from './schema';
import { prepareEntry, storedType, type ZipReady } from '../bundle/zip-writer';
import { captureDir } from '../bundle/format';
import { sha256Hex } from '../crypto/hash';

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
 * Where artifact bodies are kept outside IndexedDB. The OPFS is the browsers' implementation; tests
 * may install another (setArtifactFiles). Paths are bundle paths, `captures/<id>/<file>`.
 */
export interface ArtifactFiles {
  readonly kind: string;
  write(captureId: string, path: string, body: Uint8Array): Promise<void>;
  /** The body as a disk-backed Blob, or null when there is no such file. */
  read(captureId: string, path: string): Promise<Blob | null>;
  removeCapture(captureId: string): Promise<void>;
  /** The capture folders present, with the newest modification time of their files. */
  captures(): Promise<{ captureId: string; lastModified: number }[]>;
}

function fileName(captureId: string, path: string): string {
  const dir = captureDir(captureId);
  if (!path.startsWith(dir)) throw new Error(`artifact path ${path} is not inside ${dir}`);
  // Names inside a capture may contain '/', which an OPFS name cannot.
  return encodeURIComponent(path.slice(dir.length));
}

function isNotFound(e: unknown): boolean {
  const name = (e as { name?: string })?.name;
  return name === 'NotFoundError' || name === 'TypeMismatchError';
}

const ROOT = 'artifacts';

/** The OPFS implementation: `artifacts/<captureId>/<file name>`. */
export function opfsArtifactFiles(): ArtifactFiles {
  let root: Promise<FileSystemDirectoryHandle> | null = null;
  const rootDir = (): Promise<FileSystemDirectoryHandle> => {
    root ??= navigator.storage.getDirectory().then((d) => d.getDirectoryHandle(ROOT, { create: true }));
    root.catch(() => (root = null));
    return root;
  };
  // Folder handles of recent captures: an export looks up thousands of files, a few per folder.
  const dirs = new Map<string, FileSystemDirectoryHandle>();
  const dir = async (captureId: string, create: boolean): Promise<FileSystemDirectoryHandle | null> => {
    const known = dirs.get(captureId);
    if (known) return known;
    try {
      const d = await (await rootDir()).getDirectoryHandle(captureId, { create });
      if (dirs.size >= 512) dirs.delete(dirs.keys().next().value!);
      dirs.set(captureId, d);
      return d;
    } catch (e) {
      if (!create && isNotFound(e)) return null;
      throw e;
    }
  };
  return {
    kind: 'opfs',
    async write(captureId, path, body) {
      const d = (await dir(captureId, true))!;
      const w = await (await d.getFileHandle(fileName(captureId, path), { create: true })).createWritable();
      try {
        await w.write(body as Uint8Array<ArrayBuffer>);
        await w.close();
      } catch (e) {
        await w.abort().catch(() => {});
        throw e;
      }
    },
    async read(captureId, path) {
      const d = await dir(captureId, false);
      if (!d) return null;
      try {
        return await (await d.getFileHandle(fileName(captureId, path))).getFile();
      } catch (e) {
        if (isNotFound(e)) return null;
        throw e;
      }
    },
    async removeCapture(captureId) {
      dirs.delete(captureId);
      await (await rootDir()).removeEntry(captureId, { recursive: true }).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    },
    async captures() {
      const out: { captureId: string; lastModified: number }[] = [];
      const r = await rootDir();
      for await (const [name, handle] of (r as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
        if (handle.kind !== 'directory') continue;
        let lastModified = 0;
        for await (const f of (handle as unknown as { values(): AsyncIterable<FileSystemHandle> }).values()) {
          if (f.kind === 'file') lastModified = Math.max(lastModified, (await (f as FileSystemFileHandle).getFile()).lastModified);
        }
        out.push({ captureId: name, lastModified });
      }
      return out;
    },
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

/**
 * Writes the bodies of one capture where they are kept and returns its `blobs` rows, for the
 * caller's transaction. If a file cannot be written, those already written are removed and the
 * error is thrown (a QuotaExceededError keeps its name). When the caller's transaction fails
 * afterwards, it calls removeArtifactFiles.
 */
export async function writeArtifacts(captureId: string, items: readonly ArtifactBody[]): Promise<BlobRow[]> {
  const files = artifactFiles();
  if (files && items.length) {
    try {
      await Promise.all(items.map((a) => files.write(captureId, a.path, a.body)));
    } catch (e) {
      await files.removeCapture(captureId).catch(() => {});
      throw e;
    }
    return items.map((a) => ({ path: a.path, captureId, type: a.type, zip: a.zip, file: 1 as const }));
  }
  return items.map((a) => ({ path: a.path, captureId, type: a.type, zip: a.zip, data: new Blob([a.body as BlobPart]) }));
}

/** Removes the artifact files of these captures (after a failed save, or a deletion). Never throws. */
export async function removeArtifactFiles(captureIds: readonly string[]): Promise<void> {
  const files = artifactFiles();
  if (!files) return;
  for (const id of captureIds) await files.removeCapture(id).catch(() => {});
}

/** The stored body of a row: what a zip entry holds (deflated when row.zip.method is 8). */
export async function storedBody(row: BlobRow): Promise<Blob> {
  if (!row.file) {
    if (!row.data) throw new Error(`artifact ${row.path} has no bytes in the store`);
    return row.data;
  }
  const files = artifactFiles();
  const body = files ? await files.read(row.captureId, row.path) : null;
  if (!body) throw new Error(`artifact ${row.path}: its file is missing from the store`);
  return body;
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
 * Removes artifact folders with no live capture: left by a save that crashed between its files and
 * its transaction, or by a deletion whose file removal failed. Returns how many went.
 */
export async function sweepArtifactFiles(db: EvidenceDB, now = Date.now()): Promise<number> {
  const files = artifactFiles();
  if (!files) return 0;
  let n = 0;
  for (const { captureId, lastModified } of await files.captures()) {
    if (now - lastModified < SWEEP_GRACE_MS) continue;
    const row = await db.captures.get(captureId);
    if (row && !row.deleted) continue;
    await files.removeCapture(captureId);
    n++;
  }
  return n;
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
    if (!capture || capture.deleted || rows.some((r) => r.zip || r.file || !r.data)) {
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
    const next = await writeArtifacts(captureId, items);
    // Files written but not used (the capture changed meanwhile, or the transaction failed) are not
    // removed here: another context may be converting the same capture into the same files. A
    // later run overwrites them; the sweep removes them once the capture is deleted.
    const done = await db.transaction('rw', db.blobs, db.captures, async () => {
      // Unchanged since read (not deleted, not converted by another context), or leave it.
      const now = await db.blobs.where('captureId').equals(captureId).toArray();
      const live = await db.captures.get(captureId);
      if (!live || live.deleted || now.length !== rows.length || now.some((r) => r.zip)) return false;
      await db.blobs.bulkPut(next);
      return true;
    });
    if (done) converted++;
    else left++;
  }
  return { converted, left };
}
