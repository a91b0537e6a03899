import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { exportBundle } from '../../src/bundle/export';
import { lazyReads } from '../../src/bundle/zip-blob-input';
import { verifyBundle } from '../../src/bundle/verify';
import { sha256Hex } from '../../src/crypto/hash';
import { makeCapture, makeInput, makeLedger } from './fixtures';

const MB = 1024 * 1024;

describe('large exports', () => {
  it('stream artifacts through in slices instead of loading them whole', async () => {
    const part = new Uint8Array(MB);
    for (let i = 0; i < part.length; i++) part[i] = (i * 2654435761) >>> 24;
    const big = new Blob(Array.from({ length: 128 }, () => part as BlobPart), { type: 'video/mp4' });
    const c = await makeCapture('big');
    // Swap the screenshot for a 128 MB "video" and re-make the record so its hashes stay true.
    const { canonicalJson } = await import('../../src/crypto/hash');
    const rec = JSON.parse(c.row.recordJson) as { artifacts: { path: string; kind: string; mediaType: string; size: number; sha256: string }[] };
    const a = rec.artifacts.find((x) => x.kind === 'screenshot-visible')!;
    Object.assign(a, { mediaType: 'video/mp4', size: big.size, sha256: await sha256Hex(big) });
    c.blobs.set(a.path, big);
    c.row.recordJson = canonicalJson(rec);
    c.row.hash = await sha256Hex(c.row.recordJson);
    c.row.artifacts = rec.artifacts as typeof c.row.artifacts;

    // Reading the artifact whole would put all of it in memory at once: make that fail loudly.
    const whole = (): never => {
      throw new Error('the artifact was read whole');
    };
    Object.assign(big, { arrayBuffer: whole, text: whole, stream: whole, bytes: whole });
    const before = lazyReads.slices;
    const { blob } = await exportBundle(await makeInput([c], await makeLedger([c])));
    expect(lazyReads.slices - before).toBeGreaterThanOrEqual(128);
    expect(blob.size).toBeGreaterThan(128 * MB);
    // The verifier reads the zip Blob by slices too.
    const r = await verifyBundle(blob);
    expect(r.checks.filter((x) => !x.ok)).toEqual([]);
  }, 120_000);
});
