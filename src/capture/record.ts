import {
  RECORD_FORMAT,
  RECORD_FORMAT_VERSION,
  artifactPath,
  captureDir,
  type ArtifactEntry,
  type ArtifactKind,
  type CaptureRecord,
  type PageInfo,
  type Post,
} from '../bundle/format';
import { canonicalJson, sha256Hex } from '../crypto/hash';
import { TOOL } from '../shared/tool';
import { prepareArtifact, type ArtifactBody } from '../store/artifacts';
import { sortableId } from '../shared/ids';

export interface ArtifactInput {
  kind: ArtifactKind;
  mediaType: string;
  data: Blob;
  /** File name inside captures/<id>/ for kinds that can occur more than once (media). */
  name?: string;
}

export interface HashedArtifact {
  entry: ArtifactEntry;
  /** What the store keeps: the zip-entry body made from the hashed bytes (src/store/artifacts.ts). */
  stored: ArtifactBody;
}

/**
 * Hashes each artifact once, as it is made, gives it its bundle path and makes its stored form
 * (CRC-32, deflated when compressible) from those very bytes: a Blob handed out by a browser API
 * can be backed by a temporary file that changes or disappears (pageCapture's MHTML did), and what
 * we store must be exactly what we hashed.
 */
export async function hashArtifact(captureId: string, a: ArtifactInput): Promise<HashedArtifact> {
  const path = a.kind === 'media' ? captureDir(captureId) + (a.name ?? 'media') : artifactPath(captureId, a.kind);
  const bytes = new Uint8Array(await a.data.arrayBuffer());
  const [sha256, stored] = await Promise.all([sha256Hex(bytes), prepareArtifact(path, a.mediaType, bytes)]);
  return { entry: { path, kind: a.kind, mediaType: a.mediaType, size: bytes.byteLength, sha256 }, stored };
}

export interface RecordInput {
  id: string;
  url: string;
  finalUrl: string;
  capturedAt: string;
  page: PageInfo;
  post: Post | null;
  artifacts: ArtifactEntry[];
  notes: string[];
}

/** The capture record, its exact canonical text (record.json) and that text's SHA-256 (the capture hash). */
export async function buildRecord(input: RecordInput): Promise<{ record: CaptureRecord; json: string; hash: string }> {
  const record: CaptureRecord = {
    format: RECORD_FORMAT,
    formatVersion: RECORD_FORMAT_VERSION,
    id: input.id,
    url: input.url,
    finalUrl: input.finalUrl,
    capturedAt: input.capturedAt,
    tool: TOOL,
    page: input.page,
    post: input.post,
    artifacts: input.artifacts,
    notes: input.notes,
  };
  const json = canonicalJson(record);
  return { record, json, hash: await sha256Hex(json) };
}

/** Sortable, unique capture id: time first (so ids list in capture order), then randomness. */
export function newCaptureId(now = new Date()): string {
  return sortableId(now);
}

export function pageInfoFrom(meta: Record<string, unknown>): PageInfo {
  const s = (k: string): string | null => (typeof meta[k] === 'string' && meta[k] ? (meta[k] as string) : null);
  return {
    title: s('title'),
    canonicalUrl: s('canonicalUrl'),
    author: s('author'),
    publishedAt: s('publishedAt'),
    siteName: s('siteName'),
    lang: s('lang'),
    description: s('description'),
  };
}
