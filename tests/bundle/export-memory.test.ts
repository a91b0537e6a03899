import 'fake-indexeddb/auto';
import { createWriteStream, openAsBlob } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportBundle, type ExportSinkFactory } from '../../src/bundle/export';
import { verifyBundle } from '../../src/bundle/verify';
import { canonicalJson, sha256Hex } from '../../src/crypto/hash';
import { makeCapture, makeInput, makeLedger, tempDir } from './fixtures';

const MB = 1024 * 1024;

describe('large exports', () => {
  it('stream a large artifact through to the sink without holding it or the zip whole', async () => {
    const part = new Uint8Array(MB);
    for (let i = 0; i < part.length; i++) part[i] = (i * 2654435761) >>> 24;
    const big = new Blob(Array.from({ length: 128 }, () => part as BlobPart), { type: 'video/mp4' });
    const c = await makeCapture('big');
    // Swap the screenshot for a 128 MB "video" and re-make the record so its hashes stay true.
    const rec = JSON.parse(c.row.recordJson) as { artifacts: { path: string; kind: string; mediaType: string; size: number; sha256: string }[] };
    const a = rec.artifacts.find((x) => x.kind === 'screenshot-visible')!;
    Object.assign(a, { mediaType: 'video/mp4', size: big.size, sha256: await sha256Hex(big) });
    c.blobs.set(a.path, big);
    c.row.recordJson = canonicalJson(rec);
    c.row.hash = await sha256Hex(c.row.recordJson);
    c.row.artifacts = rec.artifacts as typeof c.row.artifacts;

    // Reading the artifact whole would put all of it in memory at once: make that fail loudly. Slices
    // are allowed, and counted, so the sink can see how much had been read when bytes came out.
    const whole = (): never => {
      throw new Error('the artifact was read whole');
    };
    let read = 0;
    let largestRead = 0;
    const slice = big.slice.bind(big);
    Object.assign(big, {
      arrayBuffer: whole,
      text: whole,
      bytes: whole,
      stream: whole,
      slice: (start?: number, end?: number, type?: string) => {
        const s = slice(start, end, type);
        read += s.size;
        largestRead = Math.max(largestRead, s.size);
        return s;
      },
    });

    // A file sink (what opfsSink is in the browser): the bundle goes to disk as it is written. At
    // each write it notes how much of the artifact had been read and how much memory ArrayBuffers hold.
    const file = join(tempDir(), 'big.zip');
    let written = 0;
    let midWrites = 0;
    let peakBuffers = 0;
    const sink: ExportSinkFactory = async () => {
      const out = createWriteStream(file);
      return {
        writable: new WritableStream<Uint8Array>({
          write: (chunk) =>
            new Promise<void>((res, rej) => {
              written += chunk.length;
              if (read > 0 && read < big.size) midWrites++;
              peakBuffers = Math.max(peakBuffers, process.memoryUsage().arrayBuffers);
              out.write(chunk, (e) => (e ? rej(e) : res()));
            }),
          close: () => new Promise<void>((res) => out.end(res)),
        }),
        finish: () => openAsBlob(file),
        discard: async () => void out.destroy(),
      };
    };
    const before = process.memoryUsage().arrayBuffers;
    const { blob } = await exportBundle(await makeInput([c], await makeLedger([c])), { sink });
    expect(read).toBe(big.size);
    expect(largestRead).toBeLessThanOrEqual(8 * MB);
    // Bytes left for the sink while the artifact was still being read: nothing gathered the entry first.
    expect(midWrites).toBeGreaterThan(10);
    expect(written).toBeGreaterThan(128 * MB);
    // Far less than the artifact or the zip (128 MB) was ever held in ArrayBuffers at once.
    expect(peakBuffers - before).toBeLessThan(64 * MB);
    expect(blob.size).toBe(written);
    // The verifier reads the file-backed zip Blob by slices too.
    const r = await verifyBundle(blob);
    expect(r.checks.filter((x) => !x.ok)).toEqual([]);
  }, 120_000);
});
