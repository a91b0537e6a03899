import Dexie from 'dexie';
import type { EvidenceDB } from './db';
import { appendEvent } from './ledger-store';
import type { CaptureRow } from './schema';
import type { HashedArtifact } from '../capture/record';
import type { CaptureRecord } from '../bundle/format';
import { getArtifactBlob, removeArtifactFiles, storeCaptureBodies } from './artifacts';

export interface NewCapture {
  record: CaptureRecord;
  recordJson: string;
  hash: string;
  caseId: string;
  artifacts: HashedArtifact[];
  trustedTime: CaptureRow['trustedTime'];
}

export class StoreError extends Error {
  constructor(
    message: string,
    readonly code: 'quota' | 'internal',
  ) {
    super(message);
  }
}

/**
 * Saves a capture in ONE transaction: its artifact rows, its row and its 'captured' ledger event.
 * If anything fails (quota, a closed database) nothing of it remains, files included.
 */
export async function saveCapture(db: EvidenceDB, c: NewCapture): Promise<CaptureRow> {
  const r = c.record;
  const row: CaptureRow = {
    id: r.id,
    caseId: c.caseId,
    hash: c.hash,
    recordJson: c.recordJson,
    url: r.url,
    finalUrl: r.finalUrl,
    capturedAt: r.capturedAt,
    title: r.page.title,
    site: siteOf(r.finalUrl),
    platform: r.post ? r.post.platform : null,
    postStatus: r.post ? r.post.status : null,
    tags: [],
    notes: [],
    trustedTime: c.trustedTime,
    artifacts: r.artifacts,
    size: r.artifacts.reduce((n, a) => n + a.size, 0),
    deleted: 0,
  };
  // The files first (they cannot be part of the transaction), then the rows that make them a
  // capture; if the transaction fails, the files go again. A crash in between leaves files with no
  // row, which sweepArtifactFiles removes later: never a capture with missing bytes.
  if (await db.captures.get(r.id)) throw new StoreError(`capture ${r.id} exists already`, 'internal');
  let blobs;
  try {
    const stored = await storeCaptureBodies(r.id, r.capturedAt, c.recordJson, c.artifacts.map((a) => a.stored));
    blobs = stored.rows;
    Object.assign(row, stored.row);
  } catch (e) {
    throw toStoreError(e);
  }
  try {
    await db.transaction('rw', [db.captures, db.blobs, db.ledger, db.cases], async () => {
      if (!(await db.cases.get(c.caseId))) throw new StoreError(`case ${c.caseId} does not exist`, 'internal');
      await db.blobs.bulkAdd(blobs);
      await db.captures.add(row);
      await appendEvent(db, 'captured', r.id, { hash: c.hash, url: r.url, finalUrl: r.finalUrl, caseId: c.caseId }, r.capturedAt);
    });
  } catch (e) {
    await removeArtifactFiles([r.id]);
    throw toStoreError(e);
  }
  return row;
}

export function toStoreError(e: unknown): StoreError {
  if (e instanceof StoreError) return e;
  const err = e as { name?: string; inner?: { name?: string }; message?: string };
  const name = err?.inner?.name ?? err?.name;
  if (name === 'QuotaExceededError' || name === Dexie.errnames.QuotaExceeded) {
    return new StoreError('The browser has no storage space left for this capture. Free some space or delete old captures, then try again.', 'quota');
  }
  return new StoreError(`The capture could not be saved: ${err?.message ?? String(e)}`, 'internal');
}

export function siteOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return '';
  }
}

/** An artifact's bytes, as captured (see src/store/artifacts.ts for how they are kept). */
export async function getArtifact(db: EvidenceDB, path: string): Promise<Blob> {
  const blob = await getArtifactBlob(db, path);
  if (!blob) throw new Error(`artifact ${path} is missing from the store`);
  return blob;
}
