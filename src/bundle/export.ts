/**
 * The one bundle exporter, used by the extension and (through exportFromStore) the CLI.
 *
 * Everything the manifest commits to is known before the zip is written: artifact hashes come from
 * the capture rows (computed at capture; a blob damaged in the store since then makes the bundle fail
 * verification, which is what should happen), the generated files are small and hashed here. The zip
 * is then generated as a stream (JSZip streamFiles) into a Blob built from chunks, optionally through
 * age encryption, so the output never exists as one big buffer.
 */
import JSZip from 'jszip';
import { ageEncryptStream, hasAge, type AgeOptions } from '../crypto/age';
import { canonicalJson, sha256Hex } from '../crypto/hash';
import { toPem } from '../crypto/ecdsa';
import type { Signer } from '../crypto/keys';
import { exportLedger } from '../ledger/ledger';
import type { ExportedLedgerEvent, LedgerEvent } from '../ledger/types';
import type { CaptureRow, TimestampRow } from '../store/schema';
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  LEDGER_FILE,
  MANIFEST_FILE,
  MANIFEST_SIG_FILE,
  PUBLIC_KEY_FILE,
  REPORT_FILE,
  SHA256SUMS_FILE,
  TSR_SUFFIX,
  VERIFY_FILE,
  captureDir,
  recordPath,
  type CaptureRecord,
  type Manifest,
  type ManifestCapture,
  type ManifestTimestamp,
  type SignerInfo,
  type ToolInfo,
} from './format';
import { buildReportHtml, buildVerifyText } from './texts';
import { unsafeNameReason } from './zip-reader';
import { MANIFEST_SIDE_FILE } from './verify';
import { blobInput } from './zip-blob-input';
import { timestampBundleFiles } from '../timestamp/bundle';

export interface BundleInputCapture {
  row: CaptureRow;
  getArtifact(path: string): Promise<Blob>;
}

export interface BundleInput {
  captures: BundleInputCapture[];
  /** The whole chain, seq 1 to head. */
  ledger: LedgerEvent[];
  timestamps: TimestampRow[];
  signer: Signer;
  tool: ToolInfo;
  createdAt: string;
}

export interface ExportProgress {
  /** 'prepare' while hashing the small files, 'zip' while writing. */
  phase: 'prepare' | 'zip' | 'done';
  /** 0–100 over the zip phase. */
  percent: number;
  currentFile: string | null;
}

export interface TimestampLayout {
  files: Map<string, Uint8Array>;
  entries: ManifestTimestamp[];
}

export interface ExportOptions {
  onProgress?: (p: ExportProgress) => void;
  signal?: AbortSignal;
  age?: AgeOptions;
  /**
   * Lays out the time-stamp tokens of the exported files (zip entries + manifest `timestamps`).
   * Default: src/timestamp/bundle.ts timestampBundleFiles (tokens plus the TSA certificate chains);
   * defaultTimestampFiles writes the same token names without chains.
   */
  timestampFiles?: (rows: TimestampRow[]) => Promise<TimestampLayout>;
  /**
   * Time-stamps the signed manifest.json bytes and returns extra entries named as MANIFEST_SIDE_FILE
   * allows (outside the files map, like the signature), e.g. requestToken + manifestTimestampFiles.
   */
  manifestTimestamps?: (manifestBytes: Uint8Array) => Promise<Map<string, Uint8Array>>;
}

/** P.tsr, P.2.tsr, … per file, ordered by genTime, row id, tsaUrl, without certificate chains. */
export async function defaultTimestampFiles(rows: TimestampRow[]): Promise<TimestampLayout> {
  const files = new Map<string, Uint8Array>();
  const entries: ManifestTimestamp[] = [];
  const sorted = [...rows].sort((a, b) => a.path.localeCompare(b.path) || a.genTime.localeCompare(b.genTime) || a.id.localeCompare(b.id) || a.tsaUrl.localeCompare(b.tsaUrl));
  let prev = '';
  let n = 0;
  for (const t of sorted) {
    n = t.path === prev ? n + 1 : 1;
    prev = t.path;
    const token = n === 1 ? t.path + TSR_SUFFIX : `${t.path}.${n}${TSR_SUFFIX}`;
    files.set(token, t.response);
    entries.push({ path: t.path, token, tsaUrl: t.tsaUrl, genTime: t.genTime });
  }
  return { files, entries };
}

export interface ExportResult {
  blob: Blob;
  fileName: string;
  manifest: Manifest;
  /** Added: SHA-256 of the exact manifest.json bytes (what the 'exported' ledger event records). */
  manifestSha256: string;
  encrypted: boolean;
}

const utf8 = new TextEncoder();
/** Media types that are already compressed: storing them is as small and much faster. */
const STORE_TYPES = /^(image\/(png|jpeg|gif|webp|avif)|video\/|audio\/|application\/(zip|gzip|x-7z|octet-stream))/;
/** Chunks are gathered into Blobs of this size so the browser can move them out of the JS heap. */
const BLOB_PART_SIZE = 8 * 1024 * 1024;

/** Which ledger events an export discloses in full: those of the exported captures, and key events. */
export function disclosedEvent(ids: ReadonlySet<string>): (e: LedgerEvent) => boolean {
  return (e) => (e.captureId !== null && ids.has(e.captureId)) || (e.captureId === null && e.type.startsWith('key-'));
}

export function ledgerJsonl(events: readonly ExportedLedgerEvent[]): string {
  return events.map((e) => canonicalJson(e) + '\n').join('');
}

export function sha256sumsText(files: Record<string, string>): string {
  // Two spaces: sha256sum's text mode, which `sha256sum -c` reads. Names are checked safe, no newlines.
  return Object.keys(files)
    .sort()
    .map((p) => `${files[p]}  ${p}\n`)
    .join('');
}

function abortError(): Error {
  const e = new Error('export cancelled');
  e.name = 'AbortError';
  return e;
}

function compact(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

interface PlannedFile {
  path: string;
  data: () => Promise<Blob | Uint8Array>;
  store: boolean;
}

export async function exportBundle(input: BundleInput, opts: ExportOptions = {}): Promise<ExportResult> {
  const { signal } = opts;
  if (signal?.aborted) throw abortError();
  if (!input.captures.length) throw new Error('nothing to export: no captures');
  opts.onProgress?.({ phase: 'prepare', percent: 0, currentFile: null });

  const files: Record<string, string> = {};
  const planned: PlannedFile[] = [];
  const small = new Map<string, Uint8Array>();
  const addSmall = async (path: string, bytes: Uint8Array, store = false): Promise<void> => {
    files[path] = await sha256Hex(bytes);
    small.set(path, bytes);
    planned.push({ path, data: async () => bytes, store });
  };

  const ids = new Set<string>();
  const mcaps: ManifestCapture[] = [];
  for (const { row, getArtifact } of input.captures) {
    if (ids.has(row.id)) throw new Error(`capture ${row.id} is listed twice`);
    if (unsafeNameReason(captureDir(row.id))) throw new Error(`capture id "${row.id}" is not a safe folder name`);
    if (row.deleted) throw new Error(`capture ${row.id} was deleted; its files are gone`);
    ids.add(row.id);
    const recordBytes = utf8.encode(row.recordJson);
    const recordHash = await sha256Hex(recordBytes);
    if (recordHash !== row.hash) throw new Error(`capture ${row.id}: record.json does not match the stored hash (store damaged?)`);
    const record = JSON.parse(row.recordJson) as CaptureRecord;
    await addSmall(recordPath(row.id), recordBytes);
    for (const a of record.artifacts) {
      if (!a.path.startsWith(captureDir(row.id)) || unsafeNameReason(a.path) || a.path === recordPath(row.id)) {
        throw new Error(`capture ${row.id}: artifact path "${a.path}" is not inside its folder`);
      }
      if (a.path in files) throw new Error(`capture ${row.id}: artifact path "${a.path}" appears twice`);
      files[a.path] = a.sha256;
      planned.push({ path: a.path, data: () => getArtifact(a.path), store: STORE_TYPES.test(a.mediaType) });
    }
    mcaps.push({
      id: row.id,
      url: record.url,
      finalUrl: record.finalUrl,
      capturedAt: record.capturedAt,
      hash: row.hash,
      page: record.page,
      ...(record.post !== undefined ? { post: record.post } : {}),
      artifacts: record.artifacts,
    });
  }

  // Time-stamp tokens for files in this bundle (record.json files), laid out by opts.timestampFiles.
  const tsRows = input.timestamps.filter((t) => t.path in files);
  const ts = tsRows.length ? await (opts.timestampFiles ?? timestampBundleFiles)(tsRows) : { files: new Map<string, Uint8Array>(), entries: [] };
  for (const [path, bytes] of ts.files) {
    if (path in files || unsafeNameReason(path) || path === MANIFEST_FILE || path.startsWith(MANIFEST_FILE + '.')) throw new Error(`time-stamp file "${path}" clashes with a bundle file`);
    await addSmall(path, bytes, path.endsWith(TSR_SUFFIX));
  }
  const stamps = ts.entries;

  const ledger = exportLedger(input.ledger, disclosedEvent(ids));
  await addSmall(LEDGER_FILE, utf8.encode(ledgerJsonl(ledger)));
  const signer: SignerInfo = { fingerprint: input.signer.fingerprint, name: input.signer.name, algorithm: 'ECDSA-P256-SHA256' };
  await addSmall(PUBLIC_KEY_FILE, utf8.encode(toPem(input.signer.spkiDer, 'PUBLIC KEY')));
  const textsIn = { createdAt: input.createdAt, tool: input.tool, signer, captures: mcaps, ledger };
  await addSmall(REPORT_FILE, utf8.encode(buildReportHtml(textsIn)));

  // SHA256SUMS lists every file of the files map but itself (it cannot contain its own hash); the
  // manifest's files map then includes SHA256SUMS, so the signature covers it.
  const verifyText = utf8.encode(buildVerifyText({ ...textsIn, timestamps: stamps.length > 0 || !!opts.manifestTimestamps }));
  await addSmall(VERIFY_FILE, verifyText);
  const sums = utf8.encode(sha256sumsText(files));
  await addSmall(SHA256SUMS_FILE, sums);

  const manifest: Manifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    createdAt: input.createdAt,
    tool: input.tool,
    signer,
    captures: mcaps,
    ledger: { file: LEDGER_FILE, count: ledger.length, headHash: ledger.at(-1)?.hash ?? '0'.repeat(64) },
    ...(stamps.length ? { timestamps: stamps } : {}),
    files: Object.fromEntries(Object.keys(files).sort().map((k) => [k, files[k]!])),
  };
  const manifestBytes = utf8.encode(JSON.stringify(manifest, null, 2) + '\n');
  const manifestSha256 = await sha256Hex(manifestBytes);
  const sig = await input.signer.sign(manifestBytes);
  const manifestExtras = opts.manifestTimestamps ? await opts.manifestTimestamps(manifestBytes) : new Map<string, Uint8Array>();
  for (const path of manifestExtras.keys()) {
    if (!MANIFEST_SIDE_FILE.test(path)) throw new Error(`manifest time-stamp file "${path}" must be named manifest.json.tsr, manifest.json.<n>.tsr or manifest.json.tsa-certs.pem`);
  }
  if (signal?.aborted) throw abortError();

  const zip = new JSZip();
  // Signed and readable files first, then everything else in plan order; every planned file exactly once.
  const head = [PUBLIC_KEY_FILE, SHA256SUMS_FILE, VERIFY_FILE, REPORT_FILE, LEDGER_FILE];
  const order: PlannedFile[] = [
    { path: MANIFEST_FILE, data: async () => manifestBytes, store: false },
    { path: MANIFEST_SIG_FILE, data: async () => sig, store: true },
    ...[...manifestExtras].map(([path, bytes]) => ({ path, data: async () => bytes, store: false })),
    ...head.map((p) => planned.find((f) => f.path === p)!),
    ...planned.filter((f) => !head.includes(f.path)),
  ];
  const date = new Date(input.createdAt);
  for (const f of order) {
    const data = await f.data();
    const content = data instanceof Blob ? blobInput(data, f.path) : data;
    zip.file(f.path, content as Blob, { binary: true, createFolders: false, date, compression: f.store ? 'STORE' : 'DEFLATE' });
  }

  const helper = zip.generateInternalStream<'uint8array'>({
    type: 'uint8array',
    streamFiles: true,
    compression: 'DEFLATE',
    // Level 1: pako at level 6 made export CPU-bound at ~5 MB/s; level 1 is several times faster for a
    // little more size, and most of a bundle (screenshots, media) is stored, not deflated, anyway.
    compressionOptions: { level: 1 },
    platform: 'UNIX',
  });
  let stream = zipReadable(helper, opts);
  const encrypted = hasAge(opts.age);
  if (encrypted) stream = await ageEncryptStream(stream, opts.age!);
  const blob = await collect(stream, encrypted ? 'application/octet-stream' : 'application/zip', signal);
  opts.onProgress?.({ phase: 'done', percent: 100, currentFile: null });
  const fileName = `jianzheng-${compact(input.createdAt)}.zip${encrypted ? '.age' : ''}`;
  return { blob, fileName, manifest, manifestSha256, encrypted };
}

type StreamHelper = JSZip.JSZipStreamHelper<Uint8Array>;

/** JSZip's internal stream as a Web ReadableStream with back-pressure (pause/resume). */
function zipReadable(helper: StreamHelper, opts: ExportOptions): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        helper
          .on('data', (chunk, meta) => {
            controller.enqueue(chunk);
            opts.onProgress?.({ phase: 'zip', percent: meta.percent, currentFile: meta.currentFile });
            if ((controller.desiredSize ?? 1) <= 0) helper.pause();
          })
          .on('error', (e: Error) => controller.error(e))
          .on('end', () => controller.close());
        opts.signal?.addEventListener('abort', () => {
          helper.pause();
          controller.error(abortError());
        });
      },
      pull() {
        helper.resume();
      },
    },
    { highWaterMark: 64 },
  );
}

async function collect(stream: ReadableStream<Uint8Array>, type: string, signal?: AbortSignal): Promise<Blob> {
  const parts: Blob[] = [];
  let pending: Uint8Array[] = [];
  let pendingSize = 0;
  const reader = stream.getReader();
  for (;;) {
    if (signal?.aborted) {
      await reader.cancel().catch(() => {});
      throw abortError();
    }
    const { done, value } = await reader.read();
    if (done) break;
    pending.push(value);
    pendingSize += value.length;
    if (pendingSize >= BLOB_PART_SIZE) {
      parts.push(new Blob(pending as BlobPart[]));
      pending = [];
      pendingSize = 0;
    }
  }
  if (pending.length) parts.push(new Blob(pending as BlobPart[]));
  return new Blob(parts, { type });
}
