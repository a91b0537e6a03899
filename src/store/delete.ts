/**
 * Deleting a capture removes its bytes but not its history: the artifact rows (and then their
 * file, or their bytes in a pack, src/store/packs.ts) go, the row stays as
 * a tombstone (deleted = 1, with its hash, URL and artifact hashes) and a 'deleted' ledger event
 * records it — all in one transaction — so the chain stays verifiable and shows that something was
 * removed, when, and what its hash was.
 */
import type { EvidenceDB } from './db';
import { appendEvent } from './ledger-store';
import type { CaptureRow } from './schema';
import { removeDeletedCaptureFiles } from './packs';

export async function deleteCapture(db: EvidenceDB, captureId: string, opts: { reason?: string } = {}): Promise<CaptureRow> {
  const row = await db.transaction('rw', [db.captures, db.blobs, db.ledger, db.queue], async () => {
    const row = await db.captures.get(captureId);
    if (!row) throw new Error(`no capture ${captureId}`);
    if (row.deleted) return row;
    await db.blobs.where('captureId').equals(captureId).delete();
    // Pending time-stamp work for bytes that no longer exist would only fail.
    await db.queue.where('captureId').equals(captureId).delete();
    // Its capture file goes below; bytes in a pack are named, to be erased there.
    const erase = row.chunk?.pack !== undefined ? { pack: row.chunk.pack, at: row.chunk.at ?? 0, size: row.chunk.size } : undefined;
    const patch = { deleted: 1 as const, size: 0, chunk: undefined, loose: undefined, erase };
    await db.captures.update(captureId, patch);
    await appendEvent(db, 'deleted', captureId, {
      hash: row.hash,
      url: row.url,
      ...(opts.reason ? { reason: opts.reason } : {}),
    });
    return { ...row, ...patch };
  });
  // The artifact files once the deletion is committed. If an export is reading them, or this
  // fails, the row is a tombstone now: removeDeletedFiles (after the export) or the sweep takes them.
  await removeDeletedCaptureFiles(db, [captureId]);
  return row;
}
