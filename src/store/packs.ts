/**
 * Packs: small capture chunks merged back to back into larger files, and deleted bytes erased.
 *
 * Why: a bundle is composed of its capture chunks as Blob parts, and the browser keeps 20–30 KB of
 * bookkeeping per part until the bundle is saved, whatever the part's size (bench/notes.md). Chunks
 * that are neighbours in a pack are neighbours in a bundle too, and become one part.
 *
 * How: a capture is saved as a file of its own (`artifacts/<id>`, src/store/artifacts.ts), marked
 * `loose` when small. Once the loose chunks add up to PACK_MIN, packLoose writes them, oldest first,
 * into a new pack of up to PACK_MAX (one writable stream, the browser copying file to file), then
 * points their rows at it in one transaction, then removes their own files. A pack is never
 * appended to: appending in place needs a worker's synchronous handle, which a Chromium service
 * worker cannot make, and a writable stream that keeps the data copies the whole file first.
 *
 * Deleting a packed capture erases its bytes in the pack at once (zeros, same size). A pack goes
 * when its last capture does, or, once its live chunks fill less than COMPACT_BELOW of it, when they
 * have been copied into a new pack (holes reclaimed). Like every removal of stored bytes this waits
 * for no export (unlessExporting): while an export holds the files, the tombstone keeps `erase` and
 * removeDeletedFiles or sweepPacks does it afterwards.
 *
 * Crash safety: a pack is written before the rows that use it; one that no row names is swept after
 * SWEEP_GRACE_MS. A capture's own file left after its rows moved to a pack is swept at once.
 *
 * Written by hand: no library manages files inside the OPFS.
 */
import type { EvidenceDB } from './db';
import type { CaptureRow } from './schema';
import { artifactFiles, isNotFound, lockManager, removeArtifactFiles, SWEEP_GRACE_MS, unlessExporting, type ArtifactFiles, type PackFiles } from './artifacts';
import { sortableId } from '../shared/ids';

/** Loose chunks are merged once they add up to this. */
export const PACK_MIN = 8 * 1024 * 1024;
/**
 * A pack holds at most this much (unless one chunk alone is larger). Erasing a deleted capture
 * rewrites its pack (Chromium copies it, ~20 ms per MB measured), so packs stay small; 16 MB
 * still turns the benchmark's 1,000 captures (~260 KB stored each) into 20 parts instead of 1,000.
 */
export const PACK_MAX = 16 * 1024 * 1024;

/** Held (exclusive, if free) while loose chunks are merged: one merge at a time across contexts. */
export const PACK_LOCK = 'jz-packs';

export interface PackOptions {
  /** Merge only when the loose chunks add up to this (default PACK_MIN); 0 merges whatever is loose. */
  minBytes?: number;
  maxBytes?: number;
}

/**
 * Merges loose chunks into new packs, oldest first, while there are at least `minBytes` of them.
 * Returns how many captures were packed. Skips (returns 0) while another context is merging. A
 * capture deleted or changed meanwhile makes that pack be dropped; the next run takes the rest.
 */
export async function packLoose(db: EvidenceDB, opts: PackOptions = {}): Promise<number> {
  const files = artifactFiles();
  const packs = files?.packs;
  if (!files || !packs) return 0;
  const run = (): Promise<number> => packLooseNow(db, files, packs, opts.minBytes ?? PACK_MIN, opts.maxBytes ?? PACK_MAX);
  const locks = lockManager();
  if (!locks) return run();
  return (await locks.request(PACK_LOCK, { mode: 'exclusive', ifAvailable: true }, (lock) => (lock ? run() : 0))) as number;
}

async function packLooseNow(db: EvidenceDB, files: ArtifactFiles, packs: PackFiles, minBytes: number, maxBytes: number): Promise<number> {
  const loose = (await db.captures.where('loose').equals(1).toArray())
    .filter((r) => !r.deleted && r.chunk && r.chunk.pack === undefined)
    .sort((a, b) => (a.capturedAt < b.capturedAt ? -1 : a.capturedAt > b.capturedAt ? 1 : a.id < b.id ? -1 : 1));
  let packed = 0;
  let i = 0;
  while (i < loose.length) {
    const group: CaptureRow[] = [];
    let bytes = 0;
    for (; i < loose.length && (!group.length || bytes + loose[i]!.chunk!.size <= maxBytes); i++) {
      group.push(loose[i]!);
      bytes += loose[i]!.chunk!.size;
    }
    if (bytes < minBytes) break;
    const n = await writePack(db, files, packs, group);
    if (n === null) break; // something changed under us: the next run starts over
    packed += n;
  }
  return packed;
}

/** One pack of `group`; the number of captures moved into it, or null when the store changed meanwhile. */
async function writePack(db: EvidenceDB, files: ArtifactFiles, packs: PackFiles, group: CaptureRow[]): Promise<number | null> {
  const moves: { row: CaptureRow; part: Blob }[] = [];
  for (const row of group) {
    const f = await files.read(row.id);
    // A missing or wrong-sized file stays loose, for the export to report precisely.
    if (f && f.size === row.chunk!.size) moves.push({ row, part: f });
  }
  if (!moves.length) return 0;
  const moved = await moveIntoNewPack(db, packs, moves, (now, was) => !!now.loose && now.chunk!.pack === undefined && now.chunk!.size === was.chunk!.size);
  if (!moved) return null;
  // Their own files, unless an export is reading them: then sweepArtifactFiles takes them later.
  const ids = moves.map((m) => m.row.id);
  await unlessExporting(() => removeArtifactFiles(ids), undefined);
  return ids.length;
}

/**
 * Writes the parts (each a capture's whole chunk) into a new pack, back to back, then points the
 * captures' rows at it in one transaction, if every one of them is still live and `unchanged`;
 * else the new pack is removed and nothing moves (false). The old bytes are the caller's.
 */
async function moveIntoNewPack(db: EvidenceDB, packs: PackFiles, moves: { row: CaptureRow; part: Blob }[], unchanged: (now: CaptureRow, was: CaptureRow) => boolean): Promise<boolean> {
  const at = new Map<string, number>();
  let end = 0;
  for (const m of moves) {
    at.set(m.row.id, end);
    end += m.part.size;
  }
  const ids = [...at.keys()];
  const was = new Map(moves.map((m) => [m.row.id, m.row]));
  const name = sortableId(); // in creation order: older packs lay out first
  await packs.write(name, moves.map((m) => m.part));
  let moved: boolean;
  try {
    moved = await db.transaction('rw', db.captures, db.blobs, async () => {
      const rows = await db.captures.bulkGet(ids);
      // Unchanged since read, or leave them all: a pack must hold no bytes of a deleted capture.
      if (rows.some((r) => !r || r.deleted || !r.chunk || !unchanged(r, was.get(r.id)!))) return false;
      for (const r of rows) await db.captures.update(r!.id, { chunk: { ...r!.chunk!, pack: name, at: at.get(r!.id)! }, loose: undefined });
      await db.blobs
        .where('captureId')
        .anyOf(ids)
        .modify((b) => {
          if (!b.file) return;
          b.pack = name;
          b.at = at.get(b.captureId)!;
        });
      return true;
    });
  } catch (e) {
    await packs.remove(name).catch(() => {});
    throw e;
  }
  if (!moved) await packs.remove(name).catch(() => {});
  return moved;
}

/**
 * A pack whose live chunks fill less than this share of it, after a deletion, has them copied into
 * a new pack and goes: erased holes are reclaimed, at the cost of one copy of what is left.
 */
export const COMPACT_BELOW = 0.5;

/** Moves the live chunks of a sparse pack (see COMPACT_BELOW) into a new one; true when they moved. */
async function moveIfSparse(db: EvidenceDB, packs: PackFiles, name: string, live: CaptureRow[]): Promise<boolean> {
  const file = await packs.read(name);
  if (!file || live.reduce((n, r) => n + r.chunk!.size, 0) >= file.size * COMPACT_BELOW) return false;
  const moves = [...live]
    .sort((a, b) => a.chunk!.at! - b.chunk!.at!)
    .map((row) => ({ row, part: file.slice(row.chunk!.at!, row.chunk!.at! + row.chunk!.size) }));
  return moveIntoNewPack(db, packs, moves, (now, was) => now.chunk!.pack === name && now.chunk!.at === was.chunk!.at && now.chunk!.size === was.chunk!.size);
}

/**
 * After a deletion: removes the capture's own file, and erases its bytes from its pack (or removes
 * the pack when nothing live is left in it), unless an export holds the files. Never throws.
 */
export async function removeDeletedCaptureFiles(db: EvidenceDB, captureIds: readonly string[]): Promise<void> {
  await removeDeleted(db, async () => {
    const rows = await db.captures.bulkGet([...captureIds]);
    return { ids: captureIds, pending: rows.filter((r): r is CaptureRow => !!r?.deleted && !!r.erase) };
  });
}

/** Removes the files and pack bytes that deleted captures left while an export held them. Never throws. */
export async function removeDeletedFiles(db: EvidenceDB): Promise<void> {
  await removeDeleted(db, async () => ({
    ids: (await db.captures.where('deleted').equals(1).primaryKeys()) as string[],
    // Only the tombstones with bytes still to erase are read whole (by the index).
    pending: await db.captures.where('erase.pack').above('').toArray(),
  }));
}

/** Under the capture-files lock, if no export holds it: the tombstones' own files, then their pack bytes. */
async function removeDeleted(db: EvidenceDB, which: () => Promise<{ ids: readonly string[]; pending: CaptureRow[] }>): Promise<void> {
  await unlessExporting(async () => {
    const { ids, pending } = await which();
    await removeArtifactFiles(ids);
    await erasePacked(db, pending);
  }, undefined).catch(() => {});
}

/** Erases the tombstones' pack bytes, pack by pack, and clears their `erase`. Call under unlessExporting. */
async function erasePacked(db: EvidenceDB, tombstones: CaptureRow[]): Promise<void> {
  const packs = artifactFiles()?.packs;
  if (!packs || !tombstones.length) return;
  const byPack = new Map<string, CaptureRow[]>();
  for (const t of tombstones) (byPack.get(t.erase!.pack) ?? byPack.set(t.erase!.pack, []).get(t.erase!.pack)!).push(t);
  for (const [name, rows] of byPack) {
    let done = rows;
    const live = await db.captures.where('chunk.pack').equals(name).toArray();
    if (!live.length || (await moveIfSparse(db, packs, name, live))) {
      // Nothing live is left in it (or it was moved to a new pack): the whole pack goes, and with it
      // every erasure still pending in it.
      await packs.remove(name);
      done = await db.captures.where('erase.pack').equals(name).toArray();
    } else {
      // A pack already gone (removed by another pass) has nothing left to erase.
      await packs.erase(name, rows.map((r) => r.erase!)).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    }
    await db.transaction('rw', db.captures, async () => {
      for (const r of done) await db.captures.update(r.id, { erase: undefined });
    });
  }
}

/**
 * Erases what deletions left pending, and removes packs that no capture names (a merge that failed
 * between its file and its rows), once older than SWEEP_GRACE_MS. Returns how many packs went.
 */
export async function sweepPacks(db: EvidenceDB, now = Date.now()): Promise<number> {
  const packs = artifactFiles()?.packs;
  if (!packs) return 0;
  const gone: string[] = [];
  for (const { name, lastModified } of await packs.list()) {
    if (await db.captures.where('chunk.pack').equals(name).count()) continue;
    if (await db.captures.where('erase.pack').equals(name).count()) continue; // erased below
    if (now - (await lastModified()) >= SWEEP_GRACE_MS) gone.push(name);
  }
  const pending = await db.captures.where('erase.pack').above('').toArray();
  return unlessExporting(async () => {
    await erasePacked(db, pending);
    for (const name of gone) await packs.remove(name);
    return gone.length;
  }, 0);
}
