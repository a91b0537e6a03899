/**
 * A small streaming zip writer for bundles: STORE and DEFLATE (the platform's CompressionStream
 * 'deflate-raw', native code in browsers and Node), slicing-by-8 CRC-32, no ZIP64, no extra fields.
 *
 * Why not a library: zip.js 2.24 (the planned replacement for JSZip) builds a pipeline of several
 * TransformStreams per entry and reads Blobs through Blob.stream(); in Chromium, on bundle-like
 * entries (thousands of ~250 KB files), it measured ~1.7x slower than this writer, interleaved in one
 * page, and JSZip needs pure-JS deflate and a hack to read Blobs lazily. Here an entry up to
 * WHOLE_MAX is read with one Blob.arrayBuffer(), hashed, deflated in one CompressionStream pass and
 * written with its sizes in the local header; a larger entry is streamed in SLICE pieces with a data
 * descriptor, so memory stays bounded by WHOLE_MAX / SLICE, never by the file or the zip.
 *
 * The layout is what src/bundle/zip-reader.ts (our verifier) reads: 32-bit sizes and offsets only,
 * UTF-8 names (flag bit 11), method 0 or 8, Unix "made by" with mode 0644, one DOS date.
 */

import { DEFAULT_ZIP_LIMITS } from './zip-reader';
import { putUtf8, utf8Length } from './text-pieces';

/** Entries up to this size are read, deflated and written whole. */
export const WHOLE_MAX = 8 * 1024 * 1024;
/** Larger entries stream through in pieces of this size. */
const SLICE = 4 * 1024 * 1024;

// Slicing-by-8 CRC-32 (zlib polynomial): eight tables, 8 bytes per step.
const CRC_TABLES: Int32Array[] = (() => {
  const t = Array.from({ length: 8 }, () => new Int32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[0]![n] = c;
  }
  for (let n = 0; n < 256; n++) for (let k = 1; k < 8; k++) t[k]![n] = (t[k - 1]![n]! >>> 8) ^ t[0]![t[k - 1]![n]! & 0xff]!;
  return t;
})();

/** Continues a CRC-32 (start with 0) over `data`. */
export function crc32(data: Uint8Array, crc = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC_TABLES as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
  let c = ~crc;
  let i = 0;
  const n = data.length;
  const end8 = n - (n % 8);
  for (; i < end8; i += 8) {
    const a = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    c =
      t7[a & 0xff]! ^
      t6[(a >>> 8) & 0xff]! ^
      t5[(a >>> 16) & 0xff]! ^
      t4[a >>> 24]! ^
      t3[data[i + 4]!]! ^
      t2[data[i + 5]!]! ^
      t1[data[i + 6]!]! ^
      t0[data[i + 7]!]!;
  }
  for (; i < n; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Media types that are already compressed: storing them is as small and much faster. */
const STORED_TYPES = /^(image\/(png|jpeg|gif|webp|avif)|video\/|audio\/|application\/(zip|gzip|x-7z|octet-stream))/;

/** Whether a file of this media type goes into a zip as is (method 0) rather than deflated. */
export function storedType(mediaType: string): boolean {
  return STORED_TYPES.test(mediaType);
}

/** How an entry's body is kept in the zip: everything its headers need, known before its bytes are read. */
export interface ZipReady {
  method: 0 | 8;
  /** CRC-32 of the uncompressed bytes. */
  crc: number;
  /** Size of the body as written (compressed size). */
  csize: number;
  /** Uncompressed size. */
  size: number;
}

/**
 * The body of one zip entry, made once: CRC-32 over the bytes, then raw deflate unless `store`.
 * Stored instead when deflate did not help, or when the ratio passes what the verifier accepts
 * from a file over 1 MB (src/bundle/zip-reader.ts DEFAULT_ZIP_LIMITS, against zip bombs). Used by
 * the writer for whole entries and by the store, which keeps artifacts in this form (src/store/artifacts.ts).
 */
export async function prepareEntry(bytes: Uint8Array, store: boolean): Promise<{ body: Uint8Array; zip: ZipReady }> {
  const deflated = store ? null : await deflateWithCrc(bytes);
  const crc = deflated?.crc ?? crc32(bytes);
  const body = deflated?.body;
  if (body && body.length < bytes.length && !(bytes.length > DEFAULT_ZIP_LIMITS.ratioFloor && bytes.length > body.length * DEFAULT_ZIP_LIMITS.maxRatio)) {
    return { body, zip: { method: 8, crc, csize: body.length, size: bytes.length } };
  }
  return { body: bytes, zip: { method: 0, crc, csize: bytes.length, size: bytes.length } };
}

/**
 * Raw deflate of a whole buffer in one CompressionStream pass, with its CRC-32. Made as gzip, whose
 * body is the same raw deflate and whose trailer holds the CRC-32 (RFC 1952), so the browser's zlib
 * computes it natively: in JS, a CRC over a bundle's generated texts cost ~6 MB of short-lived heap
 * numbers per 1,000 captures before the function was optimized.
 */
export async function deflateWithCrc(data: Uint8Array): Promise<{ body: Uint8Array; crc: number }> {
  return deflatePieces([data]);
}

/**
 * deflateWithCrc over bytes given piece by piece (each read once, none kept): a large generated
 * file need never exist whole. Also gives the total size.
 */
export async function deflatePieces(pieces: Iterable<Uint8Array>): Promise<{ body: Uint8Array; crc: number; size: number }> {
  const cs = new CompressionStream('gzip');
  const out = readAll(cs.readable);
  out.catch(() => {}); // awaited below
  const w = cs.writable.getWriter();
  let size = 0;
  for (const p of pieces) {
    size += p.length;
    await w.write(p as Uint8Array<ArrayBuffer>);
  }
  await w.close();
  const gz = concat(await out);
  const start = gzipBodyStart(gz);
  const end = gz.length - 8;
  const view = new DataView(gz.buffer, gz.byteOffset, gz.byteLength);
  if (start < 0 || end < start || view.getUint32(end + 4, true) !== size >>> 0) {
    throw new Error('the browser\'s gzip output could not be read (unexpected header or length)');
  }
  return { body: gz.subarray(start, end), crc: view.getUint32(end, true), size };
}

/** Where a gzip member's deflate data starts (after the optional header fields), or -1. */
export function gzipBodyStart(gz: Uint8Array): number {
  if (gz.length < 18 || gz[0] !== 0x1f || gz[1] !== 0x8b || gz[2] !== 8) return -1;
  const flags = gz[3]!;
  let o = 10;
  if (flags & 4) o += 2 + (gz[o]! | (gz[o + 1]! << 8)); // FEXTRA
  for (const bit of [8, 16]) {
    // FNAME, FCOMMENT: zero-terminated
    if (!(flags & bit)) continue;
    while (o < gz.length && gz[o] !== 0) o++;
    o++;
  }
  if (flags & 2) o += 2; // FHCRC
  return o <= gz.length - 8 ? o : -1;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const r = stream.getReader();
  for (;;) {
    const { done, value } = await r.read();
    if (done) return out;
    out.push(value);
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function dosDateTime(d: Date): { date: number; time: number } {
  // DOS dates are local time, as unzip and other tools read them.
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
  };
}

interface Written {
  /** The entry's path, and its length as UTF-8 (written into the headers as UTF-8 when they are made). */
  name: string;
  nameLen: number;
  flags: number;
  method: 0 | 8;
  crc: number;
  csize: number;
  size: number;
  offset: number;
  dos: { date: number; time: number };
}

const FLAG_UTF8 = 0x0800;
const FLAG_DESCRIPTOR = 0x0008;
const U32 = 0xffffffff;

function localHeader(e: Omit<Written, 'offset'>): Uint8Array {
  const h = new Uint8Array(30 + e.nameLen);
  const v = new DataView(h.buffer);
  v.setUint32(0, 0x04034b50, true);
  v.setUint16(4, 20, true); // version needed: 2.0 (deflate)
  v.setUint16(6, e.flags, true);
  v.setUint16(8, e.method, true);
  v.setUint16(10, e.dos.time, true);
  v.setUint16(12, e.dos.date, true);
  // With a data descriptor, CRC and sizes follow the data and are 0 here.
  v.setUint32(14, e.flags & FLAG_DESCRIPTOR ? 0 : e.crc, true);
  v.setUint32(18, e.flags & FLAG_DESCRIPTOR ? 0 : e.csize, true);
  v.setUint32(22, e.flags & FLAG_DESCRIPTOR ? 0 : e.size, true);
  v.setUint16(26, e.nameLen, true);
  v.setUint16(28, 0, true);
  putUtf8(e.name, h, 30);
  return h;
}

/** Where an entry's body starts, from the start of its local header. */
export function bodyOffset(path: string): number {
  return 30 + utf8Length(path);
}

/** One entry of a chunk: its name, its zip facts, and where its local header starts in the chunk. */
export interface ChunkEntry {
  path: string;
  zip: ZipReady;
  offset: number;
}

/**
 * A run of complete zip entries (local header + body each), dated `date`, made once and kept as one
 * file: a bundle takes it as it is, with its entries' offsets moved by where the run lands (the
 * store keeps each capture so, src/store/artifacts.ts).
 */
export function buildChunk(items: readonly { path: string; body: Uint8Array; zip: ZipReady }[], date: Date): { bytes: Uint8Array; entries: ChunkEntry[] } {
  const dos = dosDateTime(date);
  const parts: Uint8Array[] = [];
  const entries: ChunkEntry[] = [];
  let offset = 0;
  for (const it of items) {
    const h = localHeader({ name: it.path, nameLen: utf8Length(it.path), flags: FLAG_UTF8, method: it.zip.method, crc: it.zip.crc, csize: it.zip.csize, size: it.zip.size, dos });
    entries.push({ path: it.path, zip: it.zip, offset });
    parts.push(h, it.body);
    offset += h.length + it.body.length;
  }
  return { bytes: concat(parts.length ? parts : [new Uint8Array(0)]), entries };
}

export class ZipLimitError extends Error {}

/** A stored capture file named by its path from the OPFS root, for a ZipOut that copies files itself. */
export interface FileRef {
  opfsPath: string;
  /** Added: where the bytes start in that file (a capture's chunk in a pack); default 0, the whole file. */
  offset?: number;
  size: number;
  /** What progress names while the file is copied, e.g. its capture folder. */
  label?: string;
}

/**
 * Bytes `start` to `end` of a stored file (a capture's chunk, in a pack of them). Spans that follow
 * each other in the same file (the same Blob object) become one Blob part: the browser's cost is per
 * part, not per byte.
 */
export interface FileSpan {
  file: Blob;
  start: number;
  end: number;
}

/** What the writer puts out: bytes, Blobs or spans (stored bodies) a sink may keep unread, or named files. */
export type ZipPart = Uint8Array | Blob | FileRef | FileSpan;

function partSize(part: ZipPart): number {
  if (part instanceof Uint8Array) return part.length;
  if (isSpan(part)) return part.end - part.start;
  return part.size;
}

function isFileRef(part: ZipPart): part is FileRef {
  return !(part instanceof Uint8Array) && !(part instanceof Blob) && 'opfsPath' in part;
}

function isSpan(part: ZipPart): part is FileSpan {
  return !(part instanceof Uint8Array) && !(part instanceof Blob) && 'file' in part;
}

/** A span as a Blob of its own (where it is read, or cannot be joined to a neighbour). */
function spanBlob(s: FileSpan): Blob {
  return s.start === 0 && s.end === s.file.size ? s.file : s.file.slice(s.start, s.end);
}

/** Where the writer puts the zip. Only PartsListOut takes FileRefs. */
export interface ZipOut {
  write(part: ZipPart): Promise<void>;
  close(): Promise<void>;
}

/** A ZipOut over a byte stream: Blob parts are read in SLICE pieces, so memory stays bounded. */
export function streamOut(w: WritableStreamDefaultWriter<Uint8Array>): ZipOut {
  return {
    async write(part) {
      if (isFileRef(part)) throw new Error('a byte stream cannot take a file by name');
      if (isSpan(part)) part = spanBlob(part);
      if (!(part instanceof Blob)) return w.write(part);
      for (let o = 0; o < part.size; o += SLICE) await w.write(new Uint8Array(await part.slice(o, Math.min(part.size, o + SLICE)).arrayBuffer()));
    },
    close: () => w.close(),
  };
}

/**
 * A ZipOut that keeps the parts as they are and makes one Blob of them: stored bodies (OPFS files)
 * are referenced, never read, so the zip costs only its headers until someone reads the Blob.
 * Every Blob construction is a round trip to the browser's blob registry (~0.7 ms measured), so
 * parts are gathered as they come and composed once at the end, or whenever the bytes held here
 * pass BYTES_HELD (then all parts so far become one Blob, which keeps the heap bounded).
 */
export class BlobPartsOut implements ZipOut {
  private parts: (Uint8Array | Blob)[] = [];
  private held = 0;
  /** The last span, kept open while the next part may continue it. */
  private span: FileSpan | null = null;
  /** Blob parts so far (spans joined), for tests and benchmarks. */
  stored = 0;
  async write(part: ZipPart): Promise<void> {
    if (isFileRef(part)) throw new Error('a Blob cannot take a file by name');
    if (isSpan(part)) {
      if (this.span?.file === part.file && this.span.end === part.start) this.span = { ...this.span, end: part.end };
      else {
        this.endSpan();
        this.span = part;
      }
      return;
    }
    this.endSpan();
    this.parts.push(part);
    if (part instanceof Blob) {
      this.stored++;
      return;
    }
    this.held += part.length;
    if (this.held >= BYTES_HELD) this.compact();
  }
  async close(): Promise<void> {
    this.endSpan();
  }
  blob(type: string): Blob {
    this.endSpan();
    return new Blob(this.parts as BlobPart[], { type });
  }
  private endSpan(): void {
    if (!this.span) return;
    this.parts.push(spanBlob(this.span));
    this.stored++;
    this.span = null;
  }
  private compact(): void {
    this.parts = [new Blob(this.parts as BlobPart[])];
    this.held = 0;
  }
}
const BYTES_HELD = 8 * 1024 * 1024;

/**
 * A ZipOut that only lists the parts, capture files by name, for a writer that copies them itself
 * (src/bundle/write-parts.ts). Small byte parts (headers) are gathered into pieces of up to
 * BYTES_HELD, so the list stays short.
 */
export class PartsListOut implements ZipOut {
  readonly parts: (Uint8Array | FileRef)[] = [];
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  async write(part: ZipPart): Promise<void> {
    if (part instanceof Blob || isSpan(part)) throw new Error('a list of parts takes stored files by name, not as Blobs');
    if (isFileRef(part)) {
      this.flush();
      // A chunk that continues the last one in the same pack: one longer copy.
      const last = this.parts.at(-1);
      if (last && !(last instanceof Uint8Array) && last.opfsPath === part.opfsPath && part.offset !== undefined && (last.offset ?? 0) + last.size === part.offset) {
        this.parts[this.parts.length - 1] = { ...last, size: last.size + part.size };
      } else this.parts.push(part);
      return;
    }
    if (this.pendingBytes + part.length > BYTES_HELD) this.flush();
    this.pending.push(part);
    this.pendingBytes += part.length;
  }
  async close(): Promise<void> {
    this.flush();
  }
  private flush(): void {
    if (!this.pending.length) return;
    this.parts.push(concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
  }
}

/**
 * Writes entries one after another to `out` and, on close(), the central directory. Throws
 * ZipLimitError rather than write an offset or size that would need ZIP64.
 */
export class BundleZipWriter {
  private offset = 0;
  private readonly entries: Written[] = [];
  private readonly dos: { date: number; time: number };

  constructor(
    private readonly out: ZipOut,
    date: Date,
  ) {
    this.dos = dosDateTime(date);
  }

  private async write(chunk: ZipPart): Promise<void> {
    const n = partSize(chunk);
    if (!n) return;
    this.offset += n;
    if (this.offset > U32) throw new ZipLimitError('the zip would pass 4 GiB, which needs ZIP64');
    await this.out.write(chunk);
  }

  private localHeader(e: Omit<Written, 'offset' | 'dos'>): Uint8Array {
    return localHeader({ ...e, dos: this.dos });
  }

  /**
   * The name's UTF-8 length, checked. Names are kept as the paths they are (the planned captures hold
   * those strings anyway) and encoded only into the headers: a buffer or a view per name would be
   * thousands of objects per bundle for the collector.
   */
  private checkName(path: string): number {
    const n = utf8Length(path);
    if (n > 0xffff) throw new ZipLimitError(`the name ${path} is too long for a zip`);
    if (this.entries.length >= 0xffff) throw new ZipLimitError('more than 65,535 entries need ZIP64');
    return n;
  }

  /**
   * Adds an entry whose body was made beforehand (prepareEntry, kept so by the store): the body is
   * written as it is, unread when `out` keeps Blobs. A body whose size is not the one recorded is
   * refused: the zip would be broken, and the store is damaged.
   */
  async addPrepared(path: string, body: Blob | Uint8Array, z: ZipReady): Promise<void> {
    const nameLen = this.checkName(path);
    const got = body instanceof Blob ? body.size : body.length;
    if (got !== z.csize) throw new Error(`${path}: the stored file has ${got} bytes where ${z.csize} were recorded (store damaged?)`);
    if (z.size > U32 || z.csize > U32) throw new ZipLimitError(`${path} is over 4 GiB, which needs ZIP64`);
    const offset = this.offset;
    const e = { name: path, nameLen, flags: FLAG_UTF8, method: z.method, crc: z.crc, csize: z.csize, size: z.size };
    await this.write(this.localHeader(e));
    await this.write(body);
    this.entries.push({ ...e, offset, dos: this.dos });
  }

  /**
   * Adds a chunk made by buildChunk, as it is, dated `date` like its headers. Its entries must tile
   * it exactly (each header where the previous body ends, the last body ending at its end): else
   * the chunk is not what was stored, and it is refused.
   */
  async addChunk(chunk: ZipPart, entries: readonly ChunkEntry[], date: Date, what: string): Promise<void> {
    let at = 0;
    const lens: number[] = [];
    for (const e of entries) {
      const nameLen = this.checkName(e.path);
      if (e.offset !== at) throw new Error(`${what}: the stored entries do not follow each other at ${e.path} (store damaged?)`);
      if (e.zip.size > U32 || e.zip.csize > U32) throw new ZipLimitError(`${e.path} is over 4 GiB, which needs ZIP64`);
      at += 30 + nameLen + e.zip.csize;
      lens.push(nameLen);
    }
    const size = partSize(chunk);
    if (at !== size) throw new Error(`${what}: the stored file has ${size} bytes where ${at} were recorded (store damaged?)`);
    const base = this.offset;
    await this.write(chunk);
    const dos = dosDateTime(date);
    entries.forEach((e, i) => this.entries.push({ name: e.path, nameLen: lens[i]!, flags: FLAG_UTF8, method: e.zip.method, crc: e.zip.crc, csize: e.zip.csize, size: e.zip.size, offset: base + e.offset, dos }));
  }

  /**
   * Adds one entry. `data` is bytes or a Blob read whole (up to WHOLE_MAX) or in slices.
   * `onProgress` gets the uncompressed bytes done so far within this entry.
   */
  async add(path: string, data: Uint8Array | Blob, store: boolean, onProgress?: (n: number) => void): Promise<void> {
    const nameLen = this.checkName(path);
    const offset = this.offset;
    const size = data instanceof Blob ? data.size : data.length;
    if (size > U32) throw new ZipLimitError(`${path} is over 4 GiB, which needs ZIP64`);
    if (data instanceof Uint8Array || size <= WHOLE_MAX) {
      const bytes = data instanceof Blob ? new Uint8Array(await data.arrayBuffer()) : data;
      const { body, zip } = await prepareEntry(bytes, store);
      const e = { name: path, nameLen, flags: FLAG_UTF8, method: zip.method, crc: zip.crc, csize: zip.csize, size: zip.size };
      await this.write(this.localHeader(e));
      await this.write(body);
      this.entries.push({ ...e, offset, dos: this.dos });
      onProgress?.(size);
      return;
    }
    const method: 0 | 8 = store ? 0 : 8;
    const flags = FLAG_UTF8 | FLAG_DESCRIPTOR;
    await this.write(this.localHeader({ name: path, nameLen, flags, method, crc: 0, csize: 0, size }));
    let crc = 0;
    let csize = 0;
    let done = 0;
    const slices = async function* (): AsyncGenerator<Uint8Array> {
      for (let o = 0; o < size; o += SLICE) yield new Uint8Array(await data.slice(o, Math.min(size, o + SLICE)).arrayBuffer());
    };
    if (store) {
      for await (const s of slices()) {
        crc = crc32(s, crc);
        await this.write(s);
        csize += s.length;
        onProgress?.((done += s.length));
      }
    } else {
      const cs = new CompressionStream('deflate-raw');
      const w = cs.writable.getWriter();
      const feeding = (async () => {
        for await (const s of slices()) {
          crc = crc32(s, crc);
          await w.ready;
          await w.write(s as Uint8Array<ArrayBuffer>);
          onProgress?.((done += s.length));
        }
        await w.close();
      })();
      feeding.catch(() => {});
      const r = cs.readable.getReader();
      try {
        for (;;) {
          const { done: end, value } = await r.read();
          if (end) break;
          csize += value.length;
          await this.write(value);
        }
        await feeding;
      } catch (e) {
        await w.abort(e).catch(() => {});
        await r.cancel(e).catch(() => {});
        throw e;
      }
    }
    const d = new Uint8Array(16);
    const v = new DataView(d.buffer);
    v.setUint32(0, 0x08074b50, true);
    v.setUint32(4, crc, true);
    v.setUint32(8, csize, true);
    v.setUint32(12, size, true);
    await this.write(d);
    this.entries.push({ name: path, nameLen, flags, method, crc, csize, size, offset, dos: this.dos });
  }

  /** Writes the central directory and the end record, and closes `out`. */
  async close(): Promise<void> {
    const cdStart = this.offset;
    // One buffer for the whole directory: a bundle of 1,000 captures has thousands of entries, and a
    // buffer per header is garbage the page holds until its next collection.
    const cd = new Uint8Array(this.entries.reduce((n, e) => n + 46 + e.nameLen, 0));
    const dv = new DataView(cd.buffer);
    let at = 0;
    for (const e of this.entries) {
      dv.setUint32(at, 0x02014b50, true);
      dv.setUint16(at + 4, (3 << 8) | 20, true); // made by Unix, 2.0
      dv.setUint16(at + 6, 20, true);
      dv.setUint16(at + 8, e.flags, true);
      dv.setUint16(at + 10, e.method, true);
      dv.setUint16(at + 12, e.dos.time, true);
      dv.setUint16(at + 14, e.dos.date, true);
      dv.setUint32(at + 16, e.crc, true);
      dv.setUint32(at + 20, e.csize, true);
      dv.setUint32(at + 24, e.size, true);
      dv.setUint16(at + 28, e.nameLen, true);
      dv.setUint32(at + 38, (0o100644 << 16) >>> 0, true); // a regular file, rw-r--r--
      dv.setUint32(at + 42, e.offset, true);
      putUtf8(e.name, cd, at + 46);
      at += 46 + e.nameLen;
    }
    await this.write(cd);
    const end = new Uint8Array(22);
    const v = new DataView(end.buffer);
    v.setUint32(0, 0x06054b50, true);
    v.setUint16(8, this.entries.length, true);
    v.setUint16(10, this.entries.length, true);
    v.setUint32(12, cd.length, true);
    v.setUint32(16, cdStart, true);
    await this.write(end);
    await this.out.close();
  }
}
