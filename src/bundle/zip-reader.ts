/**
 * A defensive zip reader for bundles we did not make (plain Web APIs: runs in Node and extension pages).
 *
 * Why our own central-directory parser instead of JSZip.loadAsync: JSZip keeps only the last of two
 * entries with the same name (so duplicates are invisible), resolves paths before we can look at
 * them, and reads the whole zip into memory. Here every entry is checked from the central directory
 * BEFORE anything is inflated: names (absolute, `..`, backslashes, duplicates, symlinks), counts,
 * declared sizes, compression ratios, overlapping entries. Inflation (DecompressionStream) then stops
 * as soon as an entry yields more than its declared size, so a lying header cannot bomb us either.
 */

export interface ZipLimits {
  maxEntries: number;
  /** Largest uncompressed size of one entry, in bytes. */
  maxEntrySize: number;
  /** Largest total uncompressed size, in bytes. */
  maxTotalSize: number;
  /** Largest uncompressed/compressed ratio for entries bigger than ratioFloor. */
  maxRatio: number;
  ratioFloor: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 20_000,
  maxEntrySize: 2 * 1024 ** 3,
  maxTotalSize: 4 * 1024 ** 3 - 1,
  maxRatio: 100,
  ratioFloor: 1024 * 1024,
};

export interface ZipEntry {
  name: string;
  method: 0 | 8;
  compressedSize: number;
  size: number;
  crc32: number;
  /** Offset of the local header. */
  localOffset: number;
  isDirectory: boolean;
}

export class ZipError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

/** Random access to the zip bytes, whether they are in memory or a (file-backed) Blob. */
export interface ZipSource {
  size: number;
  /**
   * The bytes may be a view that a later read overwrites (the CLI's file source refills one window
   * buffer): read what you need from them before the next read, or copy them.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function zipSource(data: Uint8Array | Blob | ZipSource): ZipSource {
  if (!(data instanceof Uint8Array) && !(data instanceof Blob)) return data;
  if (data instanceof Uint8Array) {
    return { size: data.length, read: async (o, l) => data.subarray(o, o + l) };
  }
  return { size: data.size, read: async (o, l) => new Uint8Array(await data.slice(o, o + l).arrayBuffer()) };
}

const EOCD_SIG = 0x06054b50;
const CDH_SIG = 0x02014b50;
const LFH_SIG = 0x04034b50;
const utf8 = new TextDecoder('utf-8', { fatal: true });

const DOTDOT_SEGMENT = /(?:^|\/)\.\.(?:\/|$)/;
const EMPTY_OR_DOT_SEGMENT = /(?:^|\/)\.?(?:\/|$)/;

/** Why a name is unsafe to extract or ambiguous, or null when it is fine. */
export function unsafeNameReason(name: string): string | null {
  if (name.length === 0) return 'has an empty name';
  if (name.includes('\\')) return 'contains a backslash';
  if (name.startsWith('/')) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'starts with a drive letter';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains control characters';
  // Segments of the name without one trailing slash (a folder's), tested in place: an exporter
  // checks thousands of names, and splitting each would make an array and strings per name.
  const n = name.endsWith('/') ? name.slice(0, -1) : name;
  if (DOTDOT_SEGMENT.test(n)) return 'contains a ".." segment (zip slip)';
  if (EMPTY_OR_DOT_SEGMENT.test(n)) return 'contains an empty or "." segment';
  return null;
}

async function findEocd(src: ZipSource): Promise<{ view: DataView; at: number }> {
  const tail = Math.min(src.size, 22 + 0xffff);
  const buf = await src.read(src.size - tail, tail);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let i = buf.length - 22; i >= 0; i--) {
    if (view.getUint32(i, true) === EOCD_SIG && i + 22 + view.getUint16(i + 20, true) === buf.length) {
      return { view: new DataView(buf.buffer, buf.byteOffset + i, 22), at: src.size - tail + i };
    }
  }
  throw new ZipError('not a zip file: no end-of-central-directory record');
}

/**
 * Reads and checks the central directory. Throws ZipError naming the first bad entry. Directory
 * entries (names ending in "/", no data) are returned with isDirectory = true.
 */
export async function readCentralDirectory(src: ZipSource, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<ZipEntry[]> {
  const { view: e, at: eocdAt } = await findEocd(src);
  const disk = e.getUint16(4, true);
  const cdDisk = e.getUint16(6, true);
  const onDisk = e.getUint16(8, true);
  const count = e.getUint16(10, true);
  const cdSize = e.getUint32(12, true);
  const cdOffset = e.getUint32(16, true);
  if (disk !== 0 || cdDisk !== 0 || onDisk !== count) throw new ZipError('multi-disk zip files are not accepted');
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw new ZipError('ZIP64 archives are not accepted (bundles are under 4 GiB)');
  if (count > limits.maxEntries) throw new ZipError(`the zip has ${count} entries, more than the limit of ${limits.maxEntries}`);
  if (cdOffset + cdSize > eocdAt) throw new ZipError('the central directory lies outside the zip');

  const cd = await src.read(cdOffset, cdSize);
  const v = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const entries: ZipEntry[] = [];
  const seen = new Map<string, string>();
  let total = 0;
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || v.getUint32(p, true) !== CDH_SIG) throw new ZipError(`central directory entry ${i + 1} is malformed`);
    const madeBy = v.getUint16(p + 4, true) >> 8;
    const flags = v.getUint16(p + 8, true);
    const method = v.getUint16(p + 10, true);
    const crc32 = v.getUint32(p + 16, true);
    const compressedSize = v.getUint32(p + 20, true);
    const size = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    const externalAttrs = v.getUint32(p + 38, true);
    const localOffset = v.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen + commentLen > cd.length) throw new ZipError(`central directory entry ${i + 1} is truncated`);
    let name: string;
    try {
      name = utf8.decode(cd.subarray(p + 46, p + 46 + nameLen));
    } catch {
      throw new ZipError(`entry ${i + 1} has a name that is not UTF-8`);
    }
    p += 46 + nameLen + extraLen + commentLen;

    const bad = unsafeNameReason(name);
    if (bad) throw new ZipError(`entry "${name}" ${bad}`, name);
    const folded = name.toLowerCase();
    if (seen.has(folded)) throw new ZipError(`entry "${name}" appears twice (duplicate of "${seen.get(folded)}")`, name);
    seen.set(folded, name);
    if (flags & 0x1) throw new ZipError(`entry "${name}" is encrypted`, name);
    if (madeBy === 3 && ((externalAttrs >>> 16) & 0o170000) === 0o120000) throw new ZipError(`entry "${name}" is a symbolic link`, name);
    if (method !== 0 && method !== 8) throw new ZipError(`entry "${name}" uses compression method ${method} (only stored and deflated are accepted)`, name);
    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) throw new ZipError(`entry "${name}" needs ZIP64, which is not accepted`, name);
    const isDirectory = name.endsWith('/');
    if (isDirectory && size !== 0) throw new ZipError(`directory entry "${name}" has content`, name);
    if (method === 0 && compressedSize !== size) throw new ZipError(`stored entry "${name}" declares different sizes`, name);
    if (size > limits.maxEntrySize) throw new ZipError(`entry "${name}" would inflate to ${size} bytes, more than the limit of ${limits.maxEntrySize}`, name);
    if (size > limits.ratioFloor && size > compressedSize * limits.maxRatio) {
      throw new ZipError(`entry "${name}" has a compression ratio of ${Math.round(size / Math.max(1, compressedSize))}:1, more than the limit of ${limits.maxRatio}:1 (zip bomb?)`, name);
    }
    total += size;
    if (total > limits.maxTotalSize) throw new ZipError(`the zip would inflate to more than the limit of ${limits.maxTotalSize} bytes`);
    if (localOffset >= cdOffset) throw new ZipError(`entry "${name}" points outside the zip data`, name);
    entries.push({ name, method: method as 0 | 8, compressedSize, size, crc32, localOffset, isDirectory });
  }
  // Overlapping entries are a known way to build a zip bomb from few bytes; entries must be disjoint.
  const byOffset = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 0; i < byOffset.length; i++) {
    const cur = byOffset[i]!;
    const end = i + 1 < byOffset.length ? byOffset[i + 1]!.localOffset : cdOffset;
    if (cur.localOffset + 30 + cur.compressedSize > end) throw new ZipError(`entry "${cur.name}" overlaps another entry`, cur.name);
  }
  return entries;
}

/** Where the entry's data starts, after checking its local header agrees with the central directory. */
async function dataOffset(src: ZipSource, entry: ZipEntry): Promise<number> {
  const h = await src.read(entry.localOffset, 30);
  const v = new DataView(h.buffer, h.byteOffset, h.byteLength);
  if (h.length < 30 || v.getUint32(0, true) !== LFH_SIG) throw new ZipError(`entry "${entry.name}" has no valid local header`, entry.name);
  const method = v.getUint16(8, true);
  const nameLen = v.getUint16(26, true);
  const extraLen = v.getUint16(28, true);
  // Everything needed from the header is read above: the next read may reuse its buffer.
  const localName = await src.read(entry.localOffset + 30, nameLen);
  let decoded: string | null = null;
  try {
    decoded = utf8.decode(localName);
  } catch {
    /* compared below */
  }
  if (decoded !== entry.name) throw new ZipError(`entry "${entry.name}" has a different name in its local header`, entry.name);
  if (method !== entry.method) throw new ZipError(`entry "${entry.name}" has a different compression method in its local header`, entry.name);
  const start = entry.localOffset + 30 + nameLen + extraLen;
  if (start + entry.compressedSize > src.size) throw new ZipError(`entry "${entry.name}" is truncated`, entry.name);
  return start;
}

/**
 * The entry's uncompressed bytes, owning their buffer (a stored entry read as a view is copied, since
 * the source may reuse it). Inflation aborts once the output passes the declared size.
 */
export async function readEntry(src: ZipSource, entry: ZipEntry): Promise<Uint8Array> {
  if (entry.isDirectory) return new Uint8Array(0);
  const start = await dataOffset(src, entry);
  const raw = await src.read(start, entry.compressedSize);
  if (entry.method === 0) return raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : new Uint8Array(raw);
  const ds = new DecompressionStream('deflate-raw');
  const writer = ds.writable.getWriter();
  writer.write(raw as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const out = new Uint8Array(entry.size);
  let filled = 0;
  const reader = ds.readable.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (filled + value.length > entry.size) {
        throw new ZipError(`entry "${entry.name}" inflates to more than its declared ${entry.size} bytes (zip bomb?)`, entry.name);
      }
      out.set(value, filled);
      filled += value.length;
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    if (e instanceof ZipError) throw e;
    throw new ZipError(`entry "${entry.name}" cannot be inflated: ${(e as Error).message}`, entry.name);
  }
  if (filled !== entry.size) throw new ZipError(`entry "${entry.name}" inflates to ${filled} bytes, not its declared ${entry.size}`, entry.name);
  return out;
}

const STREAM_SLICE = 4 * 1024 * 1024;

/**
 * A one-shot raw-deflate inflater that stops past `maxSize` output bytes (throws). The Node CLI
 * passes node:zlib's: a Web DecompressionStream per entry costs a whole stream pipeline each, and
 * bundles hold thousands of small entries.
 */
export type InflateRaw = (compressed: Uint8Array, maxSize: number) => Uint8Array | Promise<Uint8Array>;
/** Entries up to this compressed size go through InflateRaw (or a digester) in one piece; larger ones stream. */
export const ONE_SHOT_MAX = 32 * 1024 * 1024;

/** The entry's stored (still compressed) bytes, after checking its local header. May be a view. */
export async function readStored(src: ZipSource, entry: ZipEntry): Promise<Uint8Array> {
  if (entry.isDirectory) return new Uint8Array(0);
  return src.read(await dataOffset(src, entry), entry.compressedSize);
}

/** The ZipError for a one-shot inflater's failure, worded as the streaming path words it. */
export function inflateFailure(entry: ZipEntry, message: string): ZipError {
  if (/max|exceed|buffer|too large/i.test(message)) return new ZipError(`entry "${entry.name}" inflates to more than its declared ${entry.size} bytes (zip bomb?)`, entry.name);
  return new ZipError(`entry "${entry.name}" cannot be inflated: ${message}`, entry.name);
}

/** The ZipError for an entry whose content is not its declared size. */
export function sizeMismatch(entry: ZipEntry, got: number): ZipError {
  return new ZipError(`entry "${entry.name}" inflates to ${got} bytes, not its declared ${entry.size}`, entry.name);
}

/**
 * Streams the entry's uncompressed bytes to `onChunk` in pieces, so that neither the compressed nor
 * the uncompressed entry is ever held whole. Same size limits as readEntry. A chunk may be a view
 * into a buffer the source reuses: use it in the callback, or copy it to keep it.
 */
export async function streamEntry(src: ZipSource, entry: ZipEntry, onChunk: (chunk: Uint8Array) => void, inflate?: InflateRaw): Promise<void> {
  if (entry.isDirectory) return;
  const start = await dataOffset(src, entry);
  const end = start + entry.compressedSize;
  if (entry.method === 0) {
    for (let o = start; o < end; o += STREAM_SLICE) onChunk(await src.read(o, Math.min(STREAM_SLICE, end - o)));
    return;
  }
  if (inflate && entry.compressedSize <= ONE_SHOT_MAX) {
    let out: Uint8Array;
    try {
      out = await inflate(await src.read(start, entry.compressedSize), entry.size);
    } catch (e) {
      throw inflateFailure(entry, (e as Error).message);
    }
    if (out.length !== entry.size) throw sizeMismatch(entry, out.length);
    onChunk(out);
    return;
  }
  const ds = new DecompressionStream('deflate-raw');
  const writer = ds.writable.getWriter();
  const feeding = (async () => {
    for (let o = start; o < end; o += STREAM_SLICE) {
      await writer.ready;
      await writer.write((await src.read(o, Math.min(STREAM_SLICE, end - o))) as Uint8Array<ArrayBuffer>);
    }
    await writer.close();
  })();
  feeding.catch(() => {});
  const reader = ds.readable.getReader();
  let filled = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      filled += value.length;
      if (filled > entry.size) throw new ZipError(`entry "${entry.name}" inflates to more than its declared ${entry.size} bytes (zip bomb?)`, entry.name);
      onChunk(value);
    }
    await feeding;
  } catch (e) {
    await reader.cancel().catch(() => {});
    await writer.abort().catch(() => {});
    if (e instanceof ZipError) throw e;
    throw new ZipError(`entry "${entry.name}" cannot be inflated: ${(e as Error).message}`, entry.name);
  }
  if (filled !== entry.size) throw sizeMismatch(entry, filled);
}

/** Joins an entry name to a folder, refusing anything that would land outside it. */
export function safeJoin(folder: string, name: string): string {
  const bad = unsafeNameReason(name);
  if (bad) throw new ZipError(`refusing to write "${name}": it ${bad}`, name);
  return `${folder.replace(/\/+$/, '')}/${name}`;
}
