/**
 * The one bundle exporter, used by the extension and (through exportFromStore) the CLI.
 *
 * Everything the manifest commits to is known before the zip is written: artifact hashes come from
 * the capture rows (computed at capture; a blob damaged in the store since then makes the bundle fail
 * verification, which is what should happen), the generated files are small and hashed here. Then:
 * - composed, when every capture is in its stored form (src/store/artifacts.ts) and the bundle is
 *   not encrypted: a Blob of the generated entries, each capture's stored run of entries as it is,
 *   and the central directory; the stored bytes are read only by whoever reads the Blob;
 * - else streamed (zip-writer.ts: native deflate), optionally through age encryption, into a sink:
 *   Blob parts in memory by default, a disk-backed OPFS file in the browser (opfs-sink.ts).
 * Either way neither the artifacts nor the output are ever held whole.
 */
import { ageEncryptStream, hasAge, type AgeOptions } from '../crypto/age';
import { canonicalJson, putCanonicalJson, sha256Hex } from '../crypto/hash';
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
import { reportText, verifyText } from './texts';
import { encodeJson, textBlocks, textBytes, utf8Length, type TextMaker, type TextOut } from './text-pieces';
import { DEFAULT_ZIP_LIMITS, unsafeNameReason } from './zip-reader';
import { MANIFEST_SIDE_FILE } from './verify';
import { timestampBundleFiles } from '../timestamp/bundle';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { BlobPartsOut, BundleZipWriter, PartsListOut, WHOLE_MAX, deflatePieces, prepareEntry, storedType, streamOut, type ChunkEntry, type FileRef, type FileSpan, type ZipOut, type ZipReady } from './zip-writer';

export interface BundleInputCapture {
  row: CaptureRow;
  getArtifact(path: string): Promise<Blob>;
  /**
   * Added: the artifact's stored zip-entry form, where the store keeps one (src/store/artifacts.ts):
   * what its headers need, now, and its body when it is written. When every artifact has one and the
   * bundle is not encrypted, the zip is composed of headers and these bodies, unread.
   */
  stored?(path: string): StoredEntry | null;
  /**
   * Added: the capture kept as one run of zip entries (record.json, then its artifacts), when the
   * store keeps it so; taken into the bundle whole. Preferred over `stored`.
   */
  chunk?(): StoredChunk | null;
}

export interface StoredChunk {
  /** record.json and every artifact, by offset. */
  entries: ChunkEntry[];
  /** The date its headers carry. */
  date: Date;
  /** The chunk's bytes: a Blob, or a span of a pack (neighbouring spans become one Blob part). */
  body(): Promise<Blob | FileSpan>;
  /** Added: the same bytes by their OPFS path, where they have one (a PartsWriter copies them by name). */
  file?: FileRef;
  /**
   * Added: where the chunk lies when it is in a pack (src/store/packs.ts): a bundle lays captures
   * out in this order, so that neighbours in a pack are neighbours in the zip, one Blob part.
   */
  packed?: { pack: string; at: number; size: number };
}

export interface StoredEntry {
  zip: ZipReady;
  body(): Promise<Blob>;
}

export interface BundleInput {
  /**
   * In the order the manifest lists them. Taken one at a time and not kept: a store passes an async
   * generator reading rows in batches, so that an export never holds every row at once.
   */
  captures: Iterable<BundleInputCapture> | AsyncIterable<BundleInputCapture>;
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
  /** Added: where the bytes go; default memorySink (Blob parts in memory). Pages pass opfsSink. */
  sink?: ExportSinkFactory;
  /**
   * Added: the most stored files (Blob parts: a capture's own file, or a run of neighbouring chunks
   * in one pack) a bundle is composed of (default COMPOSE_MAX); more are copied by partsWriter or
   * streamed.
   */
  composeMax?: number;
  /**
   * Added: for bundles over composeMax whose captures are all stored files with OPFS paths: writes
   * the laid-out bundle into one file (src/bundle/opfs-sink.ts opfsPartsWriter: a worker copying
   * the files); null where it cannot, and the bundle is streamed through `sink`.
   */
  partsWriter?: PartsWriterFactory;
}

/** Writes a bundle given as its parts in order, capture files by name, into one file. */
export interface PartsWriter {
  /**
   * `onProgress` gets the zip's bytes done so far and the index of the part being written.
   */
  write(parts: (Uint8Array | FileRef)[], opts: { type: string; signal?: AbortSignal; onProgress?: (bytes: number, part: number) => void }): Promise<Blob>;
  /** Lets go of the writer unused. */
  discard(): void;
}
export type PartsWriterFactory = () => Promise<PartsWriter | null>;

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
  /**
   * Added: how the bundle was made: composed of the capture files (read only when saved), copied
   * into one file by a PartsWriter, or streamed through the sink.
   */
  written: 'composed' | 'copied' | 'streamed';
  /**
   * Added: for a composed bundle, how many stored Blob parts it is made of (capture files, or runs
   * of neighbouring chunks in a pack); what its memory cost grows with. Null otherwise.
   */
  storedParts: number | null;
}

const utf8 = new TextEncoder();
/**
 * A composed bundle costs the browser memory per part until it is saved: measured 20-30 KB per
 * Blob part (bench/notes.md), so ~50-70 MB for 2,000 captures in files of their own; packed ones
 * (src/store/packs.ts) are one part per run of neighbours. Bundles of more parts are copied into one
 * file by a PartsWriter (~75 MB/s against ~100 composed, memory flat) or streamed (~26 MB/s).
 */
export const COMPOSE_MAX = 2000;

/**
 * Encodes each record.json into one reused buffer for hashing: a thousand captures would otherwise
 * leave a thousand short-lived buffers behind (and WebCrypto copies its input again), which the page
 * holds until the next collection; the hash is the same.
 */
class RecordScratch {
  private buf = new Uint8Array(64 * 1024);
  encode(text: string): Uint8Array {
    if (text.length * 3 > this.buf.length) this.buf = new Uint8Array(text.length * 3);
    return this.buf.subarray(0, utf8.encodeInto(text, this.buf).written);
  }
}

/** The entries of `map` at `keys`, in that order (the order JSON.stringify then writes them in). */
function inOrder(map: Record<string, string>, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = map[k]!;
  return out;
}

/** `key` put into the sorted `keys` where it sorts (the order of Array.prototype.sort). */
function insertSorted(keys: string[], key: string): void {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  keys.splice(lo, 0, key);
}

/** Which ledger events an export discloses in full: those of the exported captures, and key events. */
export function disclosedEvent(ids: ReadonlySet<string>): (e: LedgerEvent) => boolean {
  return (e) => (e.captureId !== null && ids.has(e.captureId)) || (e.captureId === null && e.type.startsWith('key-'));
}

/** ledger.jsonl written into `out` a line at a time: each event's canonical JSON (RFC 8785). */
export function* ledgerText(events: readonly ExportedLedgerEvent[], out: TextOut): Generator<void> {
  for (const e of events) {
    ledgerLine(e, out);
    out.put('\n');
    yield;
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * canonicalJson(e), written as its parts: the envelope's keys are fixed and already in JCS order
 * (body < bodyHash < hash < prevHash < seq), and its values are hex strings and an integer, which
 * JCS writes as they are; the body goes through putCanonicalJson. Anything else is canonicalised
 * whole by the library.
 */
function ledgerLine(e: ExportedLedgerEvent, out: TextOut): void {
  const keys = Object.keys(e);
  const plain =
    Number.isSafeInteger(e.seq) && e.seq >= 0 && HEX64.test(e.prevHash) && HEX64.test(e.bodyHash) && HEX64.test(e.hash) &&
    keys.length === (e.body === undefined ? 4 : 5) && keys.every((k) => k === 'seq' || k === 'prevHash' || k === 'bodyHash' || k === 'hash' || k === 'body');
  if (!plain) return out.put(canonicalJson(e));
  if (e.body !== undefined) {
    out.put('{"body":');
    putCanonicalJson(out, e.body);
    out.put(',"bodyHash":"');
  } else out.put('{"bodyHash":"');
  out.put(e.bodyHash);
  out.put('","hash":"');
  out.put(e.hash);
  out.put('","prevHash":"');
  out.put(e.prevHash);
  out.put('","seq":');
  out.put(String(e.seq));
  out.put('}');
}

/** SHA256SUMS written into `out` a line at a time, for `paths` (sorted) of the files map. */
export function* sha256sumsText(files: Record<string, string>, paths: readonly string[], out: TextOut): Generator<void> {
  // Two spaces: sha256sum's text mode, which `sha256sum -c` reads. Names are checked safe, no newlines.
  for (const p of paths) {
    out.put(files[p]!);
    out.put('  ');
    out.put(p);
    out.put('\n');
    yield;
  }
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
  data: () => Promise<Blob | Uint8Array | FileSpan>;
  /** Uncompressed size, known before writing (limits, progress). */
  size: number;
  store: boolean;
  /** Set when data() gives the stored zip-entry body rather than the file's bytes. */
  zip?: ZipReady;
  /** Set when data() gives a stored run of whole entries (a capture's file). */
  chunk?: { entries: ChunkEntry[]; date: Date };
  /** The capture's file by its OPFS path, where it has one. */
  ref?: FileRef;
  /** Where the chunk is in a pack. */
  packed?: { pack: string; at: number; size: number };
}

export async function exportBundle(input: BundleInput, opts: ExportOptions = {}): Promise<ExportResult> {
  const { signal } = opts;
  if (signal?.aborted) throw abortError();
  opts.onProgress?.({ phase: 'prepare', percent: 0, currentFile: null });

  const files: Record<string, string> = {};
  const planned: PlannedFile[] = [];
  const addSmall = async (path: string, bytes: Uint8Array, store = false): Promise<void> => {
    files[path] = await sha256Hex(bytes);
    planned.push({ path, data: async () => bytes, size: bytes.length, store });
  };
  /**
   * A generated file written by `make` (report.html, ledger.jsonl, …): encoded, hashed and deflated
   * a block at a time, so only its deflated body is kept. Where deflating would not pay (or would
   * look like a zip bomb to the verifier), it is written again whole and stored, as prepareEntry does.
   */
  const addText = async (path: string, make: TextMaker): Promise<void> => {
    const hash = sha256.create();
    const { body, crc, size } = await deflatePieces(textBlocks(make, (b) => hash.update(b)));
    if (body.length >= size || (size > DEFAULT_ZIP_LIMITS.ratioFloor && size > body.length * DEFAULT_ZIP_LIMITS.maxRatio)) {
      return addSmall(path, textBytes(make), true);
    }
    files[path] = bytesToHex(hash.digest());
    planned.push({ path, data: async () => body, size, store: false, zip: { method: 8, crc, csize: body.length, size } });
  };

  const ids = new Set<string>();
  const mcaps: ManifestCapture[] = [];
  let allStored = true;
  /** Every capture is one stored file with an OPFS path (a PartsWriter can copy them all). */
  let allRefs = true;
  const scratch = new RecordScratch();
  /** The records' sizes, summed: what the manifest's size is estimated from. */
  let recordBytesTotal = 0;
  for await (const { row, getArtifact, stored, chunk } of input.captures) {
    if (signal?.aborted) throw abortError();
    if (ids.has(row.id)) throw new Error(`capture ${row.id} is listed twice`);
    if (unsafeNameReason(captureDir(row.id))) throw new Error(`capture id "${row.id}" is not a safe folder name`);
    if (row.deleted) throw new Error(`capture ${row.id} was deleted; its files are gone`);
    ids.add(row.id);
    const recordBytes = scratch.encode(row.recordJson);
    const recordSize = recordBytes.length;
    recordBytesTotal += recordSize;
    const recordHash = bytesToHex(sha256(recordBytes));
    if (recordHash !== row.hash) throw new Error(`capture ${row.id}: record.json does not match the stored hash (store damaged?)`);
    const record = JSON.parse(row.recordJson) as CaptureRecord;
    // Encoded again when written rather than kept: the row holds the text anyway, and a thousand
    // captures' bytes would otherwise stay in memory for the whole export.
    files[recordPath(row.id)] = recordHash;
    const ch = chunk?.() ?? null;
    if (ch) {
      // The stored run must hold exactly this record.json and these artifacts, at their sizes.
      const sizeOf = (path: string): number | undefined => (path === recordPath(row.id) ? recordSize : record.artifacts.find((a) => a.path === path)?.size);
      if (ch.entries.length !== record.artifacts.length + 1 || ch.entries.some((e) => sizeOf(e.path) !== e.zip.size)) {
        throw new Error(`capture ${row.id}: its stored file does not hold the files its record lists (store damaged?)`);
      }
      planned.push({
        path: captureDir(row.id),
        data: ch.body,
        size: ch.entries.reduce((n, e) => n + e.zip.size, 0),
        store: true,
        chunk: { entries: ch.entries, date: ch.date },
        ...(ch.file ? { ref: { ...ch.file, label: captureDir(row.id) } } : {}),
        ...(ch.packed ? { packed: ch.packed } : {}),
      });
      allRefs &&= !!ch.file;
    } else {
      allRefs = false;
      planned.push({ path: recordPath(row.id), data: async () => utf8.encode(row.recordJson), size: recordSize, store: false });
    }
    for (const a of record.artifacts) {
      if (!a.path.startsWith(captureDir(row.id)) || unsafeNameReason(a.path) || a.path === recordPath(row.id)) {
        throw new Error(`capture ${row.id}: artifact path "${a.path}" is not inside its folder`);
      }
      if (a.path in files) throw new Error(`capture ${row.id}: artifact path "${a.path}" appears twice`);
      files[a.path] = a.sha256;
      if (ch) continue;
      const s = stored?.(a.path) ?? null;
      if (s && s.zip.size !== a.size) throw new Error(`capture ${row.id}: ${a.path} is stored with ${s.zip.size} bytes where its record says ${a.size} (store damaged?)`);
      if (s) planned.push({ path: a.path, data: s.body, size: a.size, store: s.zip.method === 0, zip: s.zip });
      else planned.push({ path: a.path, data: () => getArtifact(a.path), size: a.size, store: storedType(a.mediaType) });
      allStored &&= !!s;
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

  if (!ids.size) throw new Error('nothing to export: no captures');
  layOutByPack(planned);
  // A composed bundle takes each capture file as it is: fetch their handles now (IPC round trips),
  // while the bundle's own files are made, rather than after.
  const encrypted = hasAge(opts.age);
  const many = storedParts(planned) > (opts.composeMax ?? COMPOSE_MAX);
  const compose = allStored && !encrypted && !many;
  // Too many for a composed Blob: one file written by the PartsWriter (a worker copying the capture
  // files off the page), which starts now.
  const partsWriter = allRefs && !encrypted && many && opts.partsWriter ? opts.partsWriter().catch(() => null) : Promise.resolve(null);
  if (compose) {
    for (const f of planned) {
      if (!f.chunk) continue;
      const body = f.data();
      body.catch(() => {}); // awaited when written
      f.data = () => body;
    }
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
  await addText(LEDGER_FILE, (out) => ledgerText(ledger, out));
  const signer: SignerInfo = { fingerprint: input.signer.fingerprint, name: input.signer.name, algorithm: 'ECDSA-P256-SHA256' };
  await addSmall(PUBLIC_KEY_FILE, utf8.encode(toPem(input.signer.spkiDer, 'PUBLIC KEY')));
  const textsIn = { createdAt: input.createdAt, tool: input.tool, signer, captures: mcaps, ledger };
  await addText(REPORT_FILE, (out) => reportText(textsIn, out));

  // SHA256SUMS lists every file of the files map but itself (it cannot contain its own hash); the
  // manifest's files map then includes SHA256SUMS, so the signature covers it.
  await addText(VERIFY_FILE, (out) => verifyText({ ...textsIn, timestamps: stamps.length > 0 || !!opts.manifestTimestamps }, out));
  // The paths sorted once, for SHA256SUMS and then, with SHA256SUMS itself, for the manifest.
  const paths = Object.keys(files).sort();
  await addText(SHA256SUMS_FILE, (out) => sha256sumsText(files, paths, out));
  insertSorted(paths, SHA256SUMS_FILE);

  const manifest: Manifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    createdAt: input.createdAt,
    tool: input.tool,
    signer,
    captures: mcaps,
    ledger: { file: LEDGER_FILE, count: ledger.length, headHash: ledger.at(-1)?.hash ?? '0'.repeat(64) },
    ...(stamps.length ? { timestamps: stamps } : {}),
    files: inOrder(files, paths),
  };
  // JSON.stringify(manifest, null, 2) + '\n', written from the object into one buffer: at 1,000
  // captures the whole text would be ~1.5 MB as a string (twice that with Chinese titles). Hashed
  // here: WebCrypto would copy the bytes once more.
  // Its size estimated from the records' (a manifest entry repeats most of its record, indented:
  // ~1.35× in the benchmark) and the files map's, so that the buffer is rarely grown: each growth
  // is a copy, and the buffers left behind are garbage of the manifest's size.
  let filesBytes = 0;
  for (const k in files) filesBytes += k.length + 80;
  const manifestBytes = encodeJson(manifest, Math.ceil(recordBytesTotal * 1.5) + filesBytes + 16 * 1024);
  const manifestSha256 = bytesToHex(sha256(manifestBytes));
  const sig = await input.signer.sign(manifestBytes);
  const manifestExtras = opts.manifestTimestamps ? await opts.manifestTimestamps(manifestBytes) : new Map<string, Uint8Array>();
  for (const path of manifestExtras.keys()) {
    if (!MANIFEST_SIDE_FILE.test(path)) throw new Error(`manifest time-stamp file "${path}" must be named manifest.json.tsr, manifest.json.<n>.tsr or manifest.json.tsa-certs.pem`);
  }
  // Deflated now, so that its bytes (at 1,000 captures ~1.5 MB, and its text twice that) can go
  // before the zip is written.
  const manifestEntry = await prepareEntry(manifestBytes, false);
  if (signal?.aborted) throw abortError();

  // Signed and readable files first, then everything else in plan order; every planned file exactly once.
  const head = [PUBLIC_KEY_FILE, SHA256SUMS_FILE, VERIFY_FILE, REPORT_FILE, LEDGER_FILE];
  const order: PlannedFile[] = [
    { path: MANIFEST_FILE, data: async () => manifestEntry.body, size: manifestBytes.length, store: false, zip: manifestEntry.zip },
    { path: MANIFEST_SIG_FILE, data: async () => sig, size: sig.length, store: true },
    ...[...manifestExtras].map(([path, bytes]) => ({ path, data: async () => bytes, size: bytes.length, store: false })),
    ...head.map((p) => planned.find((f) => f.path === p)!),
    ...planned.filter((f) => !head.includes(f.path)),
  ];
  checkZipLimits(order);
  planned.length = 0; // `order` holds them now; writeZip lets each go once it is written

  let blob: Blob;
  let writer: PartsWriter | null = null;
  let partsCount: number | null = null;
  if (compose) {
    // Compose mode: headers around the stored bodies, which the browser reads only when the Blob is
    // saved. Nothing is deflated, hashed or copied here, and nothing goes through a sink.
    const parts = new BlobPartsOut();
    try {
      await writeZip(order, { parts }, new Date(input.createdAt), opts, null);
    } catch (e) {
      throw signal?.aborted ? abortError() : e;
    }
    blob = parts.blob('application/zip');
    partsCount = parts.stored;
  } else if ((writer = await partsWriter)) {
    // Laid out like a composed bundle, capture files by name; the writer copies them into one file.
    const list = new PartsListOut();
    try {
      // Listing is instant; the zip phase's progress is the copy's.
      await writeZip(order, { refs: list }, new Date(input.createdAt), { ...opts, onProgress: undefined }, null);
      const bytes = list.parts.reduce((n, p) => n + (p instanceof Uint8Array ? p.length : p.size), 0) || 1;
      blob = await writer.write(list.parts, {
        type: 'application/zip',
        signal,
        onProgress: (n, i) => {
          const p = list.parts[i];
          opts.onProgress?.({ phase: 'zip', percent: Math.min(100, (n / bytes) * 100), currentFile: p && !(p instanceof Uint8Array) ? (p.label ?? null) : null });
        },
      });
    } catch (e) {
      writer.discard();
      throw signal?.aborted ? abortError() : e;
    }
  } else {
    const sink = await (opts.sink ?? memorySink)(encrypted ? 'application/octet-stream' : 'application/zip');
    try {
      await writeZip(order, { stream: sink.writable }, new Date(input.createdAt), opts, encrypted ? opts.age! : null);
      blob = await sink.finish();
    } catch (e) {
      await sink.discard().catch(() => {});
      throw signal?.aborted ? abortError() : e;
    }
  }
  opts.onProgress?.({ phase: 'done', percent: 100, currentFile: null });
  const fileName = `jianzheng-${compact(input.createdAt)}.zip${encrypted ? '.age' : ''}`;
  return { blob, fileName, manifest, manifestSha256, encrypted, written: compose ? 'composed' : writer ? 'copied' : 'streamed', storedParts: partsCount };
}

/**
 * Puts the packed captures' folders in pack order, in the slots the captures' folders had: zip
 * entry order carries no meaning (the manifest lists captures in the order asked for), and chunks
 * that follow each other in a pack then follow each other in the zip, one Blob part.
 */
function layOutByPack(planned: PlannedFile[]): void {
  const slots: number[] = [];
  planned.forEach((f, i) => f.packed && slots.push(i));
  if (slots.length < 2) return;
  const sorted = slots.map((i) => planned[i]!).sort((a, b) => (a.packed!.pack < b.packed!.pack ? -1 : a.packed!.pack > b.packed!.pack ? 1 : a.packed!.at - b.packed!.at));
  slots.forEach((slot, k) => (planned[slot] = sorted[k]!));
}

/** How many Blob parts the stored files make when composed (neighbouring chunks of a pack are one). */
function storedParts(planned: readonly PlannedFile[]): number {
  let n = 0;
  let last: PlannedFile['packed'] | null = null;
  for (const f of planned) {
    const p = f.packed;
    if (!p || !last || last.pack !== p.pack || last.at + last.size !== p.at) n += f.chunk || f.zip ? 1 : 0;
    last = p ?? null;
  }
  return n;
}

/** Per entry: local header (30) + central header (46) + the name twice + a data descriptor (16). */
const ENTRY_OVERHEAD = 30 + 46 + 16;

/**
 * Fails before anything is written when the zip would need ZIP64 or break the verifier's limits
 * (src/bundle/zip-reader.ts DEFAULT_ZIP_LIMITS): a bundle our own verifier refuses is no evidence.
 * Sizes are the artifacts' recorded sizes; deflate can add a few bytes per 16 KB block, counted here.
 */
function checkZipLimits(planned: PlannedFile[]): void {
  const L = DEFAULT_ZIP_LIMITS;
  const entries = planned.reduce((n, f) => n + (f.chunk ? f.chunk.entries.length : 1), 0);
  if (entries > Math.min(L.maxEntries, 0xfffe)) {
    throw new Error(`the bundle would hold ${entries} files, more than the ${Math.min(L.maxEntries, 0xfffe)} a bundle may have: export fewer captures at a time`);
  }
  let total = 0;
  let zipBytes = 22;
  const count = (path: string, size: number, store: boolean): void => {
    if (size > L.maxEntrySize) throw new Error(`${path} is ${size} bytes, more than the ${L.maxEntrySize} a bundle file may have`);
    total += size;
    zipBytes += ENTRY_OVERHEAD + 2 * utf8Length(path) + size + (store ? 0 : Math.ceil(size / 16_000) * 5 + 16);
  };
  for (const f of planned) {
    if (f.chunk) for (const e of f.chunk.entries) count(e.path, e.zip.size, e.zip.method === 0);
    else count(f.path, f.size, f.store);
  }
  if (total > L.maxTotalSize || zipBytes > 0xfffffffe) {
    throw new Error(`the bundle would be about ${Math.ceil(Math.max(total, zipBytes) / 1024 ** 2)} MB, more than the 4 GiB a bundle may have (no ZIP64): export fewer captures at a time`);
  }
}

/** Read-ahead while an entry is written: at most this many entries and bytes in flight. */
const AHEAD_ENTRIES = 16;
const AHEAD_BYTES = 16 * 1024 * 1024;
/** In compose mode only file handles are fetched ahead, no bytes: more of them at once. */
const AHEAD_HANDLES = 1024;

/**
 * Writes the zip (src/bundle/zip-writer.ts) into `out`, through age encryption when asked, one
 * entry after the other in `order`, and closes `out`. The next entries' data is fetched meanwhile
 * (store reads are round trips), within AHEAD_ENTRIES / AHEAD_BYTES: small files whole, files over
 * WHOLE_MAX only as their Blob, which the writer reads in slices.
 */
async function writeZip(
  order: PlannedFile[],
  target: { stream: WritableStream<Uint8Array> } | { parts: BlobPartsOut } | { refs: PartsListOut },
  lastModDate: Date,
  opts: ExportOptions,
  age: AgeOptions | null,
): Promise<void> {
  const { signal } = opts;
  // Composed or listed: capture files are taken by reference (Blob or name), never read here.
  const compose = !('stream' in target);
  let piping: Promise<void> | null = null;
  let zipOut: ZipOut;
  if ('parts' in target) zipOut = target.parts;
  else if ('refs' in target) zipOut = target.refs;
  else if (age) {
    const pass = new TransformStream<Uint8Array, Uint8Array>();
    zipOut = streamOut(pass.writable.getWriter());
    piping = (await ageEncryptStream(pass.readable, age)).pipeTo(target.stream);
    piping.catch(() => {}); // awaited below on success; on failure the sink is discarded
  } else zipOut = streamOut(target.stream.getWriter());
  const zip = new BundleZipWriter(zipOut, lastModDate);
  const total = order.reduce((n, f) => n + f.size, 0) || 1;
  const fetched = new Map<number, Promise<Blob | Uint8Array | FileRef | FileSpan>>();
  let next = 0;
  let aheadBytes = 0;
  const fetchAhead = (from: number): void => {
    while (next < order.length && next < from + (compose ? AHEAD_HANDLES : AHEAD_ENTRIES) && (aheadBytes < AHEAD_BYTES || next === from)) {
      const f = order[next]!;
      // Composing keeps stored bodies as Blobs (unread); otherwise small files are read whole.
      const small = !compose && f.size <= WHOLE_MAX;
      if (small) aheadBytes += f.size;
      const p = f.ref && 'refs' in target ? Promise.resolve(f.ref) : f.data().then(async (d) => (small && d instanceof Blob && d.size <= WHOLE_MAX ? new Uint8Array(await d.arrayBuffer()) : d));
      p.catch(() => {}); // awaited in turn below
      fetched.set(next++, p);
    }
  };
  let done = 0;
  for (let i = 0; i < order.length; i++) {
    if (signal?.aborted) throw abortError();
    fetchAhead(i);
    const f = order[i]!;
    const data = await fetched.get(i)!;
    fetched.delete(i);
    // Written entries are not needed again: dropping them lets the generated files' bytes go.
    (order as (PlannedFile | undefined)[])[i] = undefined;
    if (!compose && f.size <= WHOLE_MAX) aheadBytes -= f.size;
    opts.onProgress?.({ phase: 'zip', percent: Math.min(100, (done / total) * 100), currentFile: f.path });
    if (f.chunk) await zip.addChunk(data, f.chunk.entries, f.chunk.date, `capture folder ${f.path}`);
    else if (!(data instanceof Blob || data instanceof Uint8Array)) throw new Error(`${f.path}: only a capture's stored chunk is taken by name or span`);
    else if (f.zip) await zip.addPrepared(f.path, data, f.zip);
    else await zip.add(f.path, data, f.store, (n) => opts.onProgress?.({ phase: 'zip', percent: Math.min(100, ((done + n) / total) * 100), currentFile: f.path }));
    done += f.size;
  }
  await zip.close();
  if (piping) await piping;
}

/** Where exportBundle writes the bundle's bytes. */
export interface ExportSink {
  writable: WritableStream<Uint8Array>;
  /** The finished bundle, once `writable` has been closed. */
  finish(): Promise<Blob>;
  /** Drops whatever was written (failure or cancel); `writable` may still be locked or errored. */
  discard(): Promise<void>;
}

/** Makes a sink for a bundle of the given MIME type. */
export type ExportSinkFactory = (type: string) => Promise<ExportSink>;

/**
 * The default sink: the bytes gathered as Blob parts in memory (BlobPartsOut, as the composed zip
 * is; Node, tests). In a browser, pages pass opfsSink (src/bundle/opfs-sink.ts) instead, so the
 * bundle goes to disk, not into the heap.
 */
export const memorySink: ExportSinkFactory = async (type) => {
  let parts: BlobPartsOut | null = new BlobPartsOut();
  return {
    writable: new WritableStream<Uint8Array>({ write: (chunk) => parts?.write(chunk) }),
    finish: async () => parts!.blob(type),
    discard: async () => {
      parts = null;
    },
  };
};
