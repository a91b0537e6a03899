/**
 * Lets JSZip read a Blob lazily, a slice at a time, while it writes the zip.
 *
 * JSZip (3.10) reads a Blob given to zip.file() whole into an ArrayBuffer at once, so a 1 GB export
 * would hold 1 GB of artifacts in memory. JSZip also accepts one of its own stream "workers" as file
 * content (that is how it streams Node streams in, see NodejsStreamInputAdapter); the worker class is
 * not exported, so we find its prototype through a worker JSZip made, and build a worker that reads
 * the Blob in slices when JSZip resumes it (JSZip resumes one file at a time with streamFiles).
 * If JSZip's internals ever change shape, blobInput returns the Blob itself: slower on memory, still
 * correct. tests/bundle/export-memory.test.ts fails if the lazy path stops being taken.
 */
import JSZip from 'jszip';

const SLICE = 1024 * 1024;

interface WorkerLike {
  name: string;
  isPaused: boolean;
  isFinished: boolean;
  push(chunk: { data: Uint8Array; meta: { percent: number } }): void;
  end(): boolean;
  error(e: unknown): boolean;
  resume(): boolean;
}

let proto: object | null | undefined;

function genericWorkerPrototype(): object | null {
  if (proto !== undefined) return proto;
  proto = null;
  try {
    const helper = new JSZip().generateInternalStream({ type: 'uint8array' }) as unknown as { _worker?: object };
    let p: object | null = helper._worker ? Object.getPrototypeOf(helper._worker) : null;
    while (p && p !== Object.prototype) {
      const own = (k: string) => Object.prototype.hasOwnProperty.call(p, k);
      if (own('registerPrevious') && own('processChunk') && own('resume') && own('pause') && own('push')) {
        proto = p;
        break;
      }
      p = Object.getPrototypeOf(p);
    }
  } catch {
    proto = null;
  }
  return proto;
}

/** How many Blob slices were read through lazy workers (for tests). */
export const lazyReads = { slices: 0 };

/** Content for zip.file(): a lazy worker over `blob`, or `blob` itself when that is not possible. */
export function blobInput(blob: Blob, name: string): Blob | object {
  const p = genericWorkerPrototype();
  if (!p) return blob;
  const base = p as unknown as WorkerLike;
  const w = Object.create(p) as WorkerLike & Record<string, unknown>;
  // The fields GenericWorker's constructor sets (JSZip 3.x).
  Object.assign(w, {
    name: `blob ${name}`,
    streamInfo: {},
    generatedError: null,
    extraStreamInfo: {},
    isPaused: true,
    isFinished: false,
    isLocked: false,
    _listeners: { data: [], end: [], error: [] },
    previous: null,
  });
  let offset = 0;
  let reading = false;
  const pump = (): void => {
    if (reading || w.isPaused || w.isFinished) return;
    if (offset >= blob.size) {
      w.end();
      return;
    }
    reading = true;
    blob
      .slice(offset, Math.min(blob.size, offset + SLICE))
      .arrayBuffer()
      .then(
        (buf) => {
          reading = false;
          lazyReads.slices++;
          offset += buf.byteLength;
          if (w.isFinished) return;
          w.push({ data: new Uint8Array(buf), meta: { percent: (offset / blob.size) * 100 } });
          pump();
        },
        (e: unknown) => {
          reading = false;
          w.error(e);
        },
      );
  };
  w.resume = function (this: WorkerLike): boolean {
    if (!base.resume.call(this)) return false;
    pump();
    return true;
  };
  return w;
}
