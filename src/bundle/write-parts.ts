/**
 * Writes a bundle laid out beforehand (zip headers, generated files as bytes, capture files named
 * by their OPFS paths) into one new OPFS file. Runs in a dedicated worker
 * (src/bundle/write-parts-worker.ts), the only place with synchronous access handles, which read and
 * write at ~500 MB/s here; a page reads the same files as Blobs at ~50–80 MB/s and writes an OPFS
 * stream at ~70–100 MB/s (bench/notes.md). Used for bundles too large to compose of the capture
 * files as Blob parts, whose bookkeeping grows with every part: here memory is one copy buffer.
 *
 * Written by hand: no library copies OPFS files; the logic is a loop over sync handles.
 */
import type { FileRef } from './zip-writer';

export type WritePart = Uint8Array | FileRef;

export interface WritePartsRequest {
  type: 'write';
  /** Name of the file to create in the OPFS root (emptied if present). */
  out: string;
  parts: WritePart[];
}

/** The worker's answers: to a probe, whether it can work; to a request, the bytes written or the error. */
export type WritePartsReply = { type: 'ready' } | { type: 'unsupported' } | { type: 'done'; size: number } | { type: 'failed'; error: string };
/**
 * Sent while writing: the zip's bytes done so far and the part being written; at the first named
 * file, then every PROGRESS_BYTES or so.
 */
export interface WritePartsProgress {
  type: 'progress';
  bytes: number;
  part: number;
}
const PROGRESS_BYTES = 32 * 1024 * 1024;

/** The parts of the OPFS API used here (narrow, so tests can pass a fake). */
export interface SyncHandle {
  getSize(): number;
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  flush(): void;
  close(): void;
}
export interface PartsFileHandle {
  createSyncAccessHandle(options?: { mode?: string }): Promise<SyncHandle>;
}
export interface PartsDir {
  getDirectoryHandle(name: string): Promise<PartsDir>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<PartsFileHandle>;
}

/** Copy buffer: most capture files are read in one call. */
const BUFFER = 8 * 1024 * 1024;
/** Capture files opened ahead of the copy: each open is an IPC round trip (~0.5 ms measured). */
const AHEAD = 16;

function notFound(e: unknown): boolean {
  const name = (e as { name?: string })?.name;
  return name === 'NotFoundError' || name === 'TypeMismatchError';
}

/**
 * Writes `req.parts` in order into `req.out`; each capture file is checked against its recorded
 * size. Returns the bytes written. On failure it closes every handle it opened, removes nothing
 * (the caller owns `out`) and throws an error naming the file. `onProgress` gets the bytes written
 * so far and the part being written: at the first capture file, then every PROGRESS_BYTES or so.
 */
export async function writeParts(
  root: PartsDir,
  req: WritePartsRequest,
  isCancelled: () => boolean = () => false,
  onProgress?: (bytes: number, part: number) => void,
): Promise<number> {
  const dirs = new Map<string, Promise<PartsDir>>();
  const open = async (ref: FileRef): Promise<SyncHandle> => {
    const cut = ref.opfsPath.lastIndexOf('/');
    const dirName = ref.opfsPath.slice(0, Math.max(0, cut));
    let dir = dirs.get(dirName);
    if (!dir) {
      dir = dirName ? dirName.split('/').reduce<Promise<PartsDir>>((d, n) => d.then((x) => x.getDirectoryHandle(n)), Promise.resolve(root)) : Promise.resolve(root);
      dirs.set(dirName, dir);
    }
    try {
      // 'read-only' lets other readers in at the same time (Chromium); where the mode is unknown the
      // option is ignored and the handle is exclusive for the moment of the copy.
      return await (await (await dir).getFileHandle(ref.opfsPath.slice(cut + 1))).createSyncAccessHandle({ mode: 'read-only' });
    } catch (e) {
      if (notFound(e)) throw new Error(`${ref.opfsPath}: the stored file is missing (store damaged?)`);
      throw new Error(`${ref.opfsPath}: the stored file cannot be read: ${(e as Error).message}`);
    }
  };
  const pending = new Map<number, Promise<SyncHandle>>();
  // Packs (parts with an offset) are opened once and kept to the end: many parts may come from
  // one, and where the read-only mode is unknown a second handle on the same file would fail.
  const packs = new Map<string, Promise<SyncHandle>>();
  let nextOpen = 0;
  const openAhead = (from: number): void => {
    // Opens the next AHEAD capture files after part `from`.
    let opened = [...pending.keys()].filter((k) => k >= from).length;
    for (; nextOpen < req.parts.length && opened < AHEAD; nextOpen++) {
      const p = req.parts[nextOpen]!;
      if (p instanceof Uint8Array || p.offset !== undefined) continue;
      const h = open(p);
      h.catch(() => {}); // awaited in turn
      pending.set(nextOpen, h);
      opened++;
    }
  };
  const packHandle = (p: FileRef): Promise<SyncHandle> => {
    let h = packs.get(p.opfsPath);
    if (!h) packs.set(p.opfsPath, (h = open(p)));
    return h;
  };
  const out = await (await root.getFileHandle(req.out, { create: true })).createSyncAccessHandle();
  const buf = new Uint8Array(BUFFER);
  let at = 0;
  let reported = -1;
  const put = (bytes: Uint8Array, part: number): void => {
    let w = 0;
    while (w < bytes.length) w += out.write(bytes.subarray(w), { at: at + w });
    at += bytes.length;
    if (at - reported >= PROGRESS_BYTES) onProgress?.((reported = at), part);
  };
  try {
    out.truncate(0);
    for (let i = 0; i < req.parts.length; i++) {
      if (isCancelled()) throw new Error('cancelled');
      const p = req.parts[i]!;
      if (p instanceof Uint8Array) {
        put(p, i);
        continue;
      }
      if (reported < 0) onProgress?.((reported = at), i); // the first capture file is always reported
      openAhead(i);
      const inPack = p.offset !== undefined;
      const h = await (inPack ? packHandle(p) : pending.get(i)!);
      pending.delete(i);
      const start = p.offset ?? 0;
      try {
        const size = h.getSize();
        if (inPack ? size < start + p.size : size !== p.size) {
          throw new Error(`${p.opfsPath}: the stored file has ${size} bytes where ${inPack ? `${p.size} at ${start}` : p.size} were recorded (store damaged?)`);
        }
        for (let off = 0; off < p.size; ) {
          const n = h.read(buf.subarray(0, Math.min(BUFFER, p.size - off)), { at: start + off });
          if (n <= 0) throw new Error(`${p.opfsPath}: the stored file ended at ${start + off} of ${start + p.size} bytes (store damaged?)`);
          off += n;
          put(buf.subarray(0, n), i);
        }
      } finally {
        if (!inPack) h.close();
      }
    }
    out.flush();
    return at;
  } finally {
    out.close();
    // Handles opened ahead of a failure: close them, or their files stay locked.
    for (const p of [...pending.values(), ...packs.values()]) void p.then((h) => h.close(), () => {});
  }
}
