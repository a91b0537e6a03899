import type { ArtifactEntry, CaptureRecord, PostPlatform, PostStatus } from '../bundle/format';
import type { LedgerEvent } from '../ledger/types';
import type { ChunkEntry, ZipReady } from '../bundle/zip-writer';

/** A case groups captures; one default case always exists. */
export interface CaseRow {
  id: string;
  name: string;
  createdAt: string;
  archived: 0 | 1;
  /** Keyword-watch terms for this case. */
  watchTerms?: string[];
  recording?: 0 | 1;
}

export type TrustedTimeStatus = 'none' | 'pending' | 'stamped' | 'disabled';

/** One capture. `recordJson` is the exact record.json text; SHA-256 of its UTF-8 bytes is `hash`. */
export interface CaptureRow {
  id: string;
  caseId: string;
  hash: string;
  recordJson: string;
  url: string;
  finalUrl: string;
  capturedAt: string;
  title: string | null;
  site: string;
  platform: PostPlatform | null;
  postStatus: PostStatus | null;
  tags: string[];
  notes: { time: string; text: string }[];
  trustedTime: TrustedTimeStatus;
  artifacts: ArtifactEntry[];
  /** Total size of the artifacts in bytes. */
  size: number;
  /** 1 after deletion: artifact blobs are gone, the row stays as a tombstone for the ledger. */
  deleted: 0 | 1;
  /**
   * Set when the capture's bodies are in one capture file (src/store/artifacts.ts): its size, and
   * the zip facts of record.json, its first entry (at offset 0, dated capturedAt like the rest).
   */
  chunk?: CaptureChunk;
  /**
   * 1 while the capture's chunk is a small file of its own (`artifacts/<id>`), waiting to be merged
   * into a pack with its neighbours (src/store/packs.ts). Indexed, so the merge finds them.
   */
  loose?: 1;
  /**
   * On a tombstone whose chunk was in a pack: the bytes still to be erased there (an export held
   * the packs when it was deleted); removeDeletedFiles or the sweep erases them and clears this.
   */
  erase?: PackRange;
}

export interface CaptureChunk {
  size: number;
  record: ZipReady;
  /**
   * The artifacts' entries after record.json, in chunk order, as their artifact rows also record
   * them: with these an export reads no artifact rows (src/store/bulk-read.ts). Chunks stored
   * before this field have their artifact rows read instead.
   */
  entries?: ChunkEntry[];
  /** Set when the chunk is in a pack (`packs/<pack>`) at byte `at`, not in a file of its own. */
  pack?: string;
  at?: number;
}

/** A capture's bytes in a pack. */
export interface PackRange {
  pack: string;
  at: number;
  size: number;
}

/** A list row: the fields of a live CaptureRow that the library's list shows (src/store/listing.ts). */
export type ListRow = Pick<CaptureRow, 'id' | 'caseId' | 'url' | 'capturedAt' | 'title' | 'site' | 'platform' | 'postStatus' | 'tags' | 'trustedTime'>;

/**
 * Artifact bytes, keyed by bundle path (`captures/<id>/<file>`); read them through
 * src/store/artifacts.ts. Rows with `zip` hold the artifact's zip-entry body (deflated when
 * zip.method is 8), inline in `data` or, when `file` is 1, in the capture's file (the OPFS). Rows
 * written before that hold the raw bytes in `data`.
 */
export interface BlobRow {
  path: string;
  captureId: string;
  data?: Blob;
  /** Media type of the artifact. */
  type?: string;
  zip?: ZipReady;
  /** 1: the body is in the capture's file (CaptureRow.chunk), not in `data`. */
  file?: 1;
  /** With `file`: where the entry's local header starts in the capture's chunk. */
  offset?: number;
  /** With `file`, when the chunk is in a pack: its name and where the chunk starts in it. */
  pack?: string;
  at?: number;
}

/** RFC 3161 tokens: one per time-stamped file and authority. */
export interface TimestampRow {
  id: string;
  captureId: string | null;
  /** Bundle path of the stamped file, e.g. captures/<id>/record.json. */
  path: string;
  tsaUrl: string;
  /** Time in the token (genTime), ISO 8601. */
  genTime: string;
  /** DER of the full TimeStampResp. */
  response: Uint8Array;
}

/** Work that must survive service-worker restarts (e.g. time-stamp requests awaiting a TSA). */
export interface QueueRow {
  id: string;
  kind: 'timestamp';
  captureId: string;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
}

export interface KvRow {
  key: string;
  value: unknown;
}

export type { CaptureRecord, LedgerEvent };
