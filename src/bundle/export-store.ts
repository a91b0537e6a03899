/**
 * Export from the evidence store: reads the captures a batch at a time while exportBundle plans them
 * (src/store/bulk-read.ts), then records the export as an
 * 'exported' ledger event in its own transaction. That event cannot be inside the bundle it
 * describes (its payload holds the bundle's manifest hash), so a bundle's ledger ends just before it;
 * the next export's ledger shows it.
 */
import type { EvidenceDB } from '../store/db';
import { artifactFiles, chunkSpan, readArtifact, storedBody } from '../store/artifacts';
import { recordPath } from './format';
import { appendEvent, readLedger } from '../store/ledger-store';
import type { BlobRow, CaptureChunk, CaptureRow } from '../store/schema';
import type { LedgerEvent } from '../ledger/types';
import { getSigner } from '../crypto/identity-store';
import type { Signer } from '../crypto/keys';
import { TOOL } from '../shared/tool';
import { nowIso } from '../shared/time';
import { exportBundle, type BundleInputCapture, type ExportOptions, type ExportResult } from './export';
import { readCaptures } from '../store/bulk-read';
import { getTsaSettings } from '../timestamp/settings';
import { stampBytes } from '../timestamp/queue';
import { manifestTimestampFiles } from '../timestamp/bundle';

export interface ExportSelection {
  /** Exactly these captures, in this order. */
  captureIds?: string[];
  /** Every capture of the case that is not deleted, oldest first. */
  caseId?: string;
}

export interface StoreExportOptions extends ExportOptions {
  /** Defaults to the profile's signing identity (made on first use). */
  signer?: Signer;
  /** Defaults to now. */
  createdAt?: string;
}

export interface StoreExportResult extends ExportResult {
  /** The 'exported' ledger event written after the bundle was made. */
  event: LedgerEvent;
}

/** The rows a selection exports (the export dialog's summary): those of selectCaptureIds. */
export async function selectCaptures(db: EvidenceDB, sel: ExportSelection): Promise<CaptureRow[]> {
  const ids = await selectCaptureIds(db, sel);
  const rows = await db.captures.bulkGet(ids);
  return rows.map((r, i) => {
    if (!r) throw new Error(`capture ${ids[i]} does not exist`);
    if (r.deleted) throw new Error(`capture ${r.id} was deleted; its files are gone`);
    return r;
  });
}

/**
 * The ids a selection exports, without reading the rows: given ids as they are (the exporter
 * reports a missing or deleted one), or a case's live captures, oldest first.
 */
export async function selectCaptureIds(db: EvidenceDB, sel: ExportSelection): Promise<string[]> {
  if (sel.captureIds?.length) return sel.captureIds;
  if (sel.caseId) {
    const [ids, deleted] = await Promise.all([
      db.captures.where('[caseId+capturedAt]').between([sel.caseId, ''], [sel.caseId, '\uffff']).primaryKeys(),
      db.captures.where('deleted').equals(1).primaryKeys(),
    ]);
    const gone = new Set(deleted);
    return ids.filter((id) => !gone.has(id));
  }
  throw new Error('nothing selected: give capture ids or a case');
}

/**
 * A chunk's body, made outside storedCapture: a closure keeps its whole enclosing scope, and the
 * exporter keeps every chunk's body until the zip is written, so one made there would keep the row
 * and its artifact rows too.
 */
function spanOf(id: string, chunk: CaptureChunk, packs: Map<string, Promise<Blob>>): () => ReturnType<typeof chunkSpan> {
  return () => chunkSpan({ id, chunk }, packs);
}

/** One capture as the exporter takes it, from its rows. */
function storedCapture(row: CaptureRow, blobRows: ReadonlyMap<string, BlobRow>, packs: Map<string, Promise<Blob>>): BundleInputCapture {
  return {
    row,
    getArtifact: async (path) => {
      const b = blobRows.get(path);
      if (!b) throw new Error(`capture ${row.id}: the file ${path} is missing from the store`);
      return readArtifact(b);
    },
    stored: (path) => {
      const b = blobRows.get(path);
      return b?.zip ? { zip: b.zip, body: () => storedBody(b) } : null;
    },
    chunk: () => {
      const { id, chunk } = row;
      if (!chunk) return null;
      let stored = chunk.entries;
      if (!stored) {
        const arts = row.artifacts.map((a) => blobRows.get(a.path));
        if (arts.some((b) => !b?.file || b.offset === undefined || !b.zip)) return null; // reported per file
        stored = arts.map((b) => ({ path: b!.path, zip: b!.zip!, offset: b!.offset! }));
      }
      const entries = [{ path: recordPath(id), zip: chunk.record, offset: 0 }, ...stored];
      const { pack, at = 0, size } = chunk;
      const files = artifactFiles();
      const opfsPath = pack !== undefined ? files?.packs?.opfsPath?.(pack) : files?.opfsPath?.(id);
      return {
        entries: entries.sort((x, y) => x.offset - y.offset),
        date: new Date(row.capturedAt),
        body: spanOf(id, chunk, packs),
        ...(opfsPath ? { file: { opfsPath, size, ...(pack !== undefined ? { offset: at } : {}) } } : {}),
        ...(pack !== undefined ? { packed: { pack, at, size } } : {}),
      };
    },
  };
}

export async function exportFromStore(db: EvidenceDB, sel: ExportSelection, opts: StoreExportOptions = {}): Promise<StoreExportResult> {
  const ids = await selectCaptureIds(db, sel);
  if (!ids.length) throw new Error('nothing to export: the selection has no captures');
  // Independent reads, side by side (each is a round trip or more).
  const [signer, [ledger, timestamps], tsa] = await Promise.all([
    opts.signer ?? getSigner(db),
    db.transaction('r', db.ledger, db.timestamps, async () => [await readLedger(db), await db.timestamps.where('captureId').anyOf(ids).toArray()] as const),
    // Trusted time for the manifest itself, from the profile's authorities (none when switched
    // off). A dead authority only costs its timeout; the bundle is still written, without the token.
    getTsaSettings(db),
  ]);
  // Each pack read once, so that its chunks are spans of one File and neighbours join.
  const packs = new Map<string, Promise<Blob>>();
  const manifestTimestamps =
    opts.manifestTimestamps ??
    (tsa.enabled && tsa.urls.length ? async (bytes: Uint8Array) => manifestTimestampFiles((await stampBytes(bytes, tsa)).tokens) : undefined);
  // The captures are read a batch at a time while the exporter plans them (src/store/bulk-read.ts),
  // so that a large export never holds every row at once; the exporter keeps what it needs of each.
  const captures = async function* (): AsyncGenerator<BundleInputCapture> {
    for await (const batch of readCaptures(db, ids)) {
      for (const { row, blobs } of batch) yield storedCapture(row, blobs, packs);
    }
  };
  const result = await exportBundle(
    {
      captures: captures(),
      ledger,
      timestamps,
      signer,
      tool: TOOL,
      createdAt: opts.createdAt ?? nowIso(),
    },
    { ...opts, manifestTimestamps },
  );
  const event = await db.transaction('rw', db.ledger, () =>
    appendEvent(db, 'exported', null, {
      manifestSha256: result.manifestSha256,
      captureIds: ids,
      signerFingerprint: signer.fingerprint,
      fileName: result.fileName,
      encrypted: result.encrypted,
      ledgerHead: result.manifest.ledger?.headHash ?? null,
    }),
  );
  return { ...result, event };
}
