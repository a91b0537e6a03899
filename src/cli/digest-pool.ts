/**
 * Worker threads that inflate and hash bundle entries for the verifier (EntryDigester), so that
 * inflating and hashing, nearly all of its work, use every core instead of one.
 *
 * The worker is plain JavaScript evaluated from a string with only node: built-ins, so it runs the
 * same under tsx, the bin and the test runner. Same limits as the one-thread path: zlib stops at the
 * entry's declared size (maxOutputLength), so a lying entry cannot inflate past it. Entries travel in
 * batches (one message per few MB) in one buffer that is transferred there and back and reused.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DigestItem, DigestResult, EntryDigester } from '../bundle/verify';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { inflateRawSync } = require('node:zlib');
parentPort.on('message', ({ id, buffer, items }) => {
  const results = [];
  const transfer = [buffer];
  for (const it of items) {
    try {
      let data = new Uint8Array(buffer, it.offset, it.length);
      if (it.method === 8) {
        const limit = Math.max(1, it.size);
        data = inflateRawSync(data, { maxOutputLength: limit, chunkSize: Math.max(65536, Math.min(limit + 1, 67108864)) });
      }
      const sha256 = createHash('sha256').update(data).digest('hex');
      let bytes = null;
      if (it.keep) {
        bytes = new Uint8Array(data); // a copy that owns its buffer, to transfer
        transfer.push(bytes.buffer);
      }
      results.push({ sha256, size: data.length, bytes });
    } catch (e) {
      results.push({ error: String((e && e.message) || e) });
    }
  }
  // The batch buffer goes back too, for the pool to reuse.
  parentPort.postMessage({ id, results, buffer }, transfer);
});
`;

export interface DigestPool extends EntryDigester {
  close(): Promise<void>;
}

/**
 * One core fewer than the machine has (at most 4): the calling thread keeps reading and checking.
 * On two cores, one worker measured as fast as two at three quarters of the CPU time; on one core
 * this is 0 and the caller should not use a pool.
 */
export function defaultDigestThreads(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1));
}

export function createDigestPool(threads = defaultDigestThreads()): DigestPool {
  const pending = new Map<number, { resolve: (r: DigestResult[]) => void; reject: (e: Error) => void; worker: number }>();
  const load: number[] = [];
  const workers: Worker[] = [];
  const free: ArrayBuffer[] = [];
  let nextId = 0;
  let stopped: Error | null = null;
  const failAll = (e: Error): void => {
    stopped ??= e;
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(new Error(`a hashing thread stopped: ${e.message}`));
    }
  };
  for (let w = 0; w < threads; w++) {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    load.push(0);
    worker.on('message', ({ id, results, buffer }: { id: number; results: DigestResult[]; buffer: ArrayBuffer }) => {
      if (free.length < 2 * threads + 2) free.push(buffer);
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      load[p.worker]!--;
      p.resolve(results);
    });
    worker.on('error', failAll);
    worker.on('exit', (code) => code !== 0 && failAll(new Error(`exit code ${code}`)));
    workers.push(worker);
  }
  return {
    concurrency: threads,
    buffer(minBytes: number): Uint8Array {
      const k = free.findIndex((b) => b.byteLength >= minBytes);
      return new Uint8Array(k >= 0 ? free.splice(k, 1)[0]! : new ArrayBuffer(minBytes));
    },
    digest(items: DigestItem[]): Promise<DigestResult[]> {
      if (stopped) return Promise.reject(new Error(`a hashing thread stopped: ${stopped.message}`));
      let w = 0;
      for (let k = 1; k < load.length; k++) if (load[k]! < load[w]!) w = k;
      load[w]!++;
      const id = nextId++;
      // All items are views into one buffer from buffer(): it is transferred, not copied, and comes back.
      const buffer = items[0]!.stored.buffer as ArrayBuffer;
      const msg = items.map((it) => ({ offset: it.stored.byteOffset, length: it.stored.byteLength, method: it.entry.method, size: it.entry.size, keep: it.keep }));
      return new Promise<DigestResult[]>((resolve, reject) => {
        pending.set(id, { resolve, reject, worker: w });
        workers[w]!.postMessage({ id, buffer, items: msg }, [buffer]);
      });
    },
    async close() {
      stopped ??= new Error('closed');
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
