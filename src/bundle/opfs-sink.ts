/**
 * The browser's export sink: the bundle streams into a file of the Origin Private File System, and
 * the result is that file (`handle.getFile()`: disk-backed, not in the JS heap), which the page then
 * downloads. So an export holds only what is in flight, however large the bundle.
 *
 * Each temporary file, `export-<uuid>.zip`, is guarded by a Web Lock of the same name from the moment
 * it is created until it may go: the export failed or was cancelled (deleted at once), or its
 * download has had time to read it (releaseExportBlob). Files whose lock nobody holds any more (their
 * page was closed before the download finished) are removed by cleanupExportFiles, which the export
 * pages call when they open and before every export. Locks are per origin, so one page never deletes
 * a file another page is still writing or downloading.
 */
import { memorySink, type ExportSink, type ExportSinkFactory, type PartsWriterFactory } from './export';
import type { WritePartsProgress, WritePartsReply } from './write-parts';
import { holdLock } from '../shared/locks';

const PREFIX = 'export-';
const SUFFIX = '.zip';
const LOCK = 'jz-export-file:';
/** Writes to the OPFS stream are IPC calls: small zip headers are gathered into pieces this large. */
const WRITE_SIZE = 4 * 1024 * 1024;
/** Without the downloads API, how long a download may take: a minute plus 10 MB/s. */
const MIN_KEEP_MS = 60_000;
const KEEP_MS_PER_MB = 100;

interface Held {
  /** The OPFS export file behind the Blob, if any. */
  name?: string;
  release(): void;
}
/** The OPFS files behind the Blobs opfsSink returned, until releaseExportBlob deletes them. */
const held = new WeakMap<Blob, Held>();

function opfsAvailable(): boolean {
  return typeof navigator !== 'undefined' && !!navigator.storage?.getDirectory && !!navigator.locks && typeof FileSystemFileHandle !== 'undefined' && 'createWritable' in FileSystemFileHandle.prototype;
}

/** Holds the Web Lock for export file `name` until release() is called (or the page goes away). */
function hold(name: string): Promise<() => void> {
  return holdLock(navigator.locks, LOCK + name, { ifAvailable: true });
}

/** A new export file's name (its lock is LOCK + name). */
function newExportName(): string {
  return `${PREFIX}${crypto.randomUUID()}${SUFFIX}`;
}

/** The finished export file as the Blob to download, of `type`, kept for releaseExportBlob. */
function heldBlob(file: File, type: string, name: string, release: () => void): Blob {
  const blob = type && file.type !== type ? file.slice(0, file.size, type) : file;
  held.set(blob, { name, release });
  return blob;
}

async function remove(name: string): Promise<void> {
  const dir = await navigator.storage.getDirectory();
  await dir.removeEntry(name).catch(() => {});
}

/** Names of the export files now in the OPFS (tests and cleanup). */
export async function listExportFiles(): Promise<string[]> {
  if (!opfsAvailable()) return [];
  const dir = await navigator.storage.getDirectory();
  const out: string[] = [];
  for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) {
    if (name.startsWith(PREFIX) && name.endsWith(SUFFIX)) out.push(name);
  }
  return out;
}

/** Deletes the export files that no export or pending download of any page still holds. */
export async function cleanupExportFiles(): Promise<number> {
  if (!opfsAvailable()) return 0;
  const names = await listExportFiles();
  if (!names.length) return 0;
  const { held: locks = [] } = await navigator.locks.query();
  const busy = new Set(locks.map((l) => l.name));
  let n = 0;
  for (const name of names) {
    if (busy.has(LOCK + name)) continue;
    await remove(name);
    n++;
  }
  return n;
}

/**
 * Gathers small chunks into WRITE_SIZE pieces before they reach `inner`; chunks at least that large
 * go straight through. Every write awaits the inner one, so back-pressure reaches the zip writer.
 */
function coalescing(inner: WritableStreamDefaultWriter<Uint8Array>): WritableStream<Uint8Array> {
  // One buffer, reused: each inner write is awaited, and the OPFS stream has taken its bytes by then.
  const buf = new Uint8Array(WRITE_SIZE);
  let used = 0;
  const flush = async (): Promise<void> => {
    if (!used) return;
    const n = used;
    used = 0;
    await inner.write(buf.subarray(0, n));
  };
  return new WritableStream<Uint8Array>({
    async write(chunk) {
      if (used + chunk.length > WRITE_SIZE) await flush();
      if (chunk.length >= WRITE_SIZE) return inner.write(chunk);
      buf.set(chunk, used);
      used += chunk.length;
    },
    async close() {
      await flush();
      await inner.close();
    },
    async abort(reason) {
      await inner.abort(reason);
    },
  });
}

/**
 * Streams the bundle into a new OPFS file; finish() returns the file. Falls back to memorySink
 * where the OPFS (or its createWritable) is missing, e.g. older browsers, so export still works.
 */
export const opfsSink: ExportSinkFactory = async (type) => {
  if (!opfsAvailable()) return memorySink(type);
  await cleanupExportFiles().catch(() => 0);
  const name = newExportName();
  let release: () => void;
  let handle: FileSystemFileHandle;
  let inner: WritableStreamDefaultWriter<Uint8Array>;
  try {
    release = await hold(name);
  } catch {
    return memorySink(type);
  }
  try {
    const dir = await navigator.storage.getDirectory();
    handle = await dir.getFileHandle(name, { create: true });
    inner = (await handle.createWritable()).getWriter() as WritableStreamDefaultWriter<Uint8Array>;
  } catch {
    await remove(name);
    release();
    return memorySink(type);
  }
  const sink: ExportSink = {
    writable: coalescing(inner),
    finish: async () => heldBlob(await handle.getFile(), type, name, release),
    discard: async () => {
      await inner.abort().catch(() => {});
      await remove(name);
      release();
    },
  };
  return sink;
};

/**
 * Writes a bundle laid out as parts into a new export file (same name, lock and lifetime as
 * opfsSink's files) in a dedicated worker (src/bundle/write-parts-worker.ts) that copies the capture
 * files by name with synchronous access handles. Null where the worker cannot start or has no such
 * handles; the exporter then streams. The worker starts when the export does, so its load overlaps
 * the making of the bundle's own files.
 */
export const opfsPartsWriter: PartsWriterFactory = async () => {
  if (!opfsAvailable() || typeof Worker === 'undefined') return null;
  let worker: Worker;
  try {
    worker = new Worker(new URL('./write-parts-worker.ts', import.meta.url), { type: 'module' });
  } catch {
    return null;
  }
  const waiting: ((m: WritePartsReply | null) => void)[] = [];
  const reply = (): Promise<WritePartsReply | null> => new Promise((resolve) => waiting.push(resolve));
  let progress: ((bytes: number, part: number) => void) | undefined;
  worker.onmessage = (e: MessageEvent<WritePartsReply | WritePartsProgress>) => {
    if (e.data.type === 'progress') progress?.(e.data.bytes, e.data.part);
    else waiting.shift()?.(e.data);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    for (const w of waiting.splice(0)) w(null); // the worker did not load or died
  };
  const probe = reply();
  worker.postMessage({ type: 'probe' });
  if ((await probe)?.type !== 'ready') {
    worker.terminate();
    return null;
  }
  // An export that fails before it writes never calls write() or discard(): the worker goes anyway.
  const idle = setTimeout(() => worker.terminate(), IDLE_WORKER_MS);
  return {
    async write(parts, { type, signal, onProgress }) {
      clearTimeout(idle);
      progress = onProgress;
      const name = newExportName();
      const release = await hold(name);
      const expected = parts.reduce((n, p) => n + (p instanceof Uint8Array ? p.length : p.size), 0);
      const stop = (): void => {
        worker.terminate();
        for (const w of waiting.splice(0)) w(null);
      };
      signal?.addEventListener('abort', stop, { once: true });
      try {
        const done = reply();
        worker.postMessage({ type: 'write', out: name, parts });
        const m = await done;
        if (signal?.aborted) throw new Error('export cancelled');
        if (m?.type === 'failed') throw new Error(m.error);
        if (m?.type !== 'done') throw new Error('the bundle writer stopped before it finished');
        if (m.size !== expected) throw new Error(`the bundle file has ${m.size} bytes where ${expected} were laid out`);
        return heldBlob(await (await (await navigator.storage.getDirectory()).getFileHandle(name)).getFile(), type, name, release);
      } catch (e) {
        await remove(name);
        release();
        throw e;
      } finally {
        signal?.removeEventListener('abort', stop);
        worker.terminate();
      }
    },
    discard: () => {
      clearTimeout(idle);
      worker.terminate();
    },
  };
};
const IDLE_WORKER_MS = 5 * 60_000;

interface DownloadDelta {
  id: number;
  state?: { current?: string };
}
interface DownloadsApi {
  onCreated: { addListener(f: (d: { id: number; url: string; finalUrl?: string }) => void): void; removeListener(f: unknown): void };
  onChanged: { addListener(f: (d: DownloadDelta) => void): void; removeListener(f: unknown): void };
}

/**
 * Runs `release` once the exported Blob has been downloaded (see releaseExportBlob), e.g. to let go
 * of the capture files a composed bundle reads only while it is saved.
 */
export function releaseAfterDownload(blob: Blob, release: () => void): void {
  const h = held.get(blob);
  held.set(blob, h ? { name: h.name, release: () => (h.release(), release()) } : { release });
}

/**
 * Deletes the OPFS file behind an exported Blob once its download has read it, and runs what
 * releaseAfterDownload registered: when the extension
 * may watch downloads, as soon as the download started from `objectUrl` completes or fails;
 * otherwise after a time generous for the file's size. No-op for other Blobs.
 */
export function releaseExportBlob(blob: Blob, objectUrl?: string): void {
  const h = held.get(blob);
  if (!h) return;
  held.delete(blob);
  let done = false;
  const dispose = (): void => {
    if (done) return;
    done = true;
    void (h.name ? remove(h.name) : Promise.resolve()).finally(h.release);
  };
  const timer = setTimeout(dispose, MIN_KEEP_MS + (blob.size / (1024 * 1024)) * KEEP_MS_PER_MB);
  const downloads = (globalThis as { chrome?: { downloads?: DownloadsApi } }).chrome?.downloads;
  if (!downloads?.onChanged || !objectUrl) return;
  let id: number | null = null;
  const created = (d: { id: number; url: string; finalUrl?: string }): void => {
    if (d.url === objectUrl || d.finalUrl === objectUrl) id = d.id;
  };
  const changed = (d: DownloadDelta): void => {
    if (d.id !== id || (d.state?.current !== 'complete' && d.state?.current !== 'interrupted')) return;
    downloads.onCreated.removeListener(created);
    downloads.onChanged.removeListener(changed);
    clearTimeout(timer);
    dispose();
  };
  downloads.onCreated.addListener(created);
  downloads.onChanged.addListener(changed);
}
