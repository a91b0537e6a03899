/**
 * The Jianzheng bundle format: the one definition shared by the exporter (extension and CLI) and the
 * verifier (Node and extension). docs/bundle-format.md describes the same contract for people;
 * change both together. Names here are read by other tools: never rename, only add.
 */

export const BUNDLE_FORMAT = 'jianzheng-bundle';
export const BUNDLE_FORMAT_VERSION = 1;
export const RECORD_FORMAT = 'jianzheng-capture-record';
export const RECORD_FORMAT_VERSION = 1;

/** Artifact kinds. Later additions go at the end; existing names never change. */
export const ARTIFACT_KINDS = [
  'html-snapshot',
  'screenshot-full',
  'screenshot-visible',
  'mhtml',
  'text',
  'metadata',
  'media',
  'element-snapshot',
  'element-screenshot',
] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** File name of each single-instance artifact inside `captures/<id>/`. */
export const ARTIFACT_FILE_NAMES: Record<Exclude<ArtifactKind, 'media'>, string> = {
  'html-snapshot': 'snapshot.html',
  'screenshot-full': 'screenshot-full.png',
  'screenshot-visible': 'screenshot-visible.png',
  mhtml: 'page.mhtml',
  text: 'text.txt',
  metadata: 'metadata.json',
  'element-snapshot': 'element.html',
  'element-screenshot': 'element.png',
};

export const RECORD_FILE_NAME = 'record.json';
export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_SIG_FILE = 'manifest.json.sig';
export const PUBLIC_KEY_FILE = 'public-key.pem';
export const SHA256SUMS_FILE = 'SHA256SUMS';
export const LEDGER_FILE = 'ledger.jsonl';
export const REPORT_FILE = 'report.html';
export const VERIFY_FILE = 'VERIFY.txt';
/** RFC 3161 token for file P is stored as P + TSR_SUFFIX. */
export const TSR_SUFFIX = '.tsr';

export function captureDir(id: string): string {
  return `captures/${id}/`;
}
export function artifactPath(id: string, kind: Exclude<ArtifactKind, 'media'>): string {
  return captureDir(id) + ARTIFACT_FILE_NAMES[kind];
}
export function recordPath(id: string): string {
  return captureDir(id) + RECORD_FILE_NAME;
}

export interface ArtifactEntry {
  /** Path inside the bundle, e.g. `captures/<id>/snapshot.html`. */
  path: string;
  kind: ArtifactKind;
  mediaType: string;
  size: number;
  /** Lower-case hex SHA-256 of the artifact's bytes. */
  sha256: string;
}

export interface PageInfo {
  title: string | null;
  canonicalUrl: string | null;
  author: string | null;
  publishedAt: string | null;
  siteName: string | null;
  lang: string | null;
  description: string | null;
}

export interface ToolInfo {
  name: string;
  version: string;
}

export type PostPlatform = 'weibo' | 'wechat' | 'x' | 'zhihu' | 'douyin' | 'toutiao' | 'generic';
export type PostStatus = 'available' | 'deleted' | 'removed' | 'unavailable';

export interface PostMedia {
  /** Original URL of the media file. */
  url: string;
  type: 'image' | 'video' | 'audio' | 'other';
  /** Artifact path when the file was fetched. */
  path: string | null;
  sha256: string | null;
  /** Why the file is missing, when it is. */
  missing?: string;
}

export interface PostAuthor {
  name: string | null;
  id: string | null;
  url: string | null;
}

export interface Post {
  platform: PostPlatform;
  id: string | null;
  url: string | null;
  author: PostAuthor;
  title: string | null;
  text: string | null;
  publishedAt: string | null;
  publishedAtText: string | null;
  media: PostMedia[];
  metrics: { reposts: string | null; comments: string | null; likes: string | null };
  quoted: Post | null;
  status: PostStatus;
}

/**
 * The capture record: its RFC 8785 canonical bytes are `record.json`, and their SHA-256 is the
 * capture's `hash`. Everything that identifies what was captured is in here; the record's bytes are
 * kept exactly as made so that later time-stamps and signatures stay valid.
 */
export interface CaptureRecord {
  format: typeof RECORD_FORMAT;
  formatVersion: typeof RECORD_FORMAT_VERSION;
  id: string;
  /** The URL exactly as requested (typed, clicked or given on the command line). */
  url: string;
  finalUrl: string;
  capturedAt: string;
  tool: ToolInfo;
  page: PageInfo;
  post?: Post | null;
  artifacts: ArtifactEntry[];
  /** Things the capture could not do, in plain words (e.g. "screenshot capped at 16384 px"). */
  notes?: string[];
}

export interface ManifestCapture {
  id: string;
  url: string;
  finalUrl: string;
  capturedAt: string;
  hash: string;
  page: PageInfo;
  post?: Post | null;
  artifacts: ArtifactEntry[];
}

export interface SignerInfo {
  /** SHA-256 of the SubjectPublicKeyInfo DER, lower-case hex. */
  fingerprint: string;
  name: string | null;
  algorithm: 'ECDSA-P256-SHA256';
}

export interface Manifest {
  format: typeof BUNDLE_FORMAT;
  formatVersion: typeof BUNDLE_FORMAT_VERSION;
  createdAt: string;
  tool: ToolInfo;
  signer?: SignerInfo;
  captures: ManifestCapture[];
  /** The exported ledger (added by issue 3): lets a verifier notice events cut off at the end. */
  ledger?: ManifestLedger;
  /** RFC 3161 tokens in the bundle (added by issue 3). */
  timestamps?: ManifestTimestamp[];
  /** Every other file in the zip (all but manifest.json and manifest.json.*) → lower-case hex SHA-256. */
  files: Record<string, string>;
}

/** Added by issue 3. */
export interface ManifestLedger {
  /** Always LEDGER_FILE. */
  file: string;
  /** Events in the file: the whole chain from seq 1 to the head at export time. */
  count: number;
  /** `hash` of the last event; the export's own 'exported' event comes after it and is not included. */
  headHash: string;
}

/**
 * Added by issue 3: one RFC 3161 token in the bundle (layout by src/timestamp/bundle.ts, issue 4):
 * `token` is `file` + TSR_SUFFIX for the first authority (by genTime, then TimestampRow id, then tsaUrl), `file.<n>.tsr` for
 * the n-th. Tokens over manifest.json itself are added after signing as manifest.json.tsr etc. and
 * are not listed here.
 */
export interface ManifestTimestamp {
  /** The stamped file, e.g. captures/<id>/record.json. */
  path: string;
  /** The token file (DER TimeStampResp). */
  token: string;
  tsaUrl: string;
  genTime: string;
  /** Bundle path of a PEM file with the certificates the token carries ('' or absent when none). */
  chain?: string;
}
