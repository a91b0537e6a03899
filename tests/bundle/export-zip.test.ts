import 'fake-indexeddb/auto';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { exportBundle } from '../../src/bundle/export';
import { readCentralDirectory, zipSource } from '../../src/bundle/zip-reader';
import { blobBytes, makeCapture, makeInput, makeLedger } from './fixtures';

/** The zip layout the exporter writes, read byte by byte and by an independent reader (JSZip). */
describe('bundle zip layout', () => {
  it('is read back identically by JSZip, an independent zip reader', async () => {
    const caps = [await makeCapture('c1'), await makeCapture('c2')];
    const { blob, manifest } = await exportBundle(await makeInput(caps, await makeLedger(caps)));
    const zip = await JSZip.loadAsync(await blobBytes(blob), { checkCRC32: true });
    const names = Object.keys(zip.files);
    expect(names.filter((n) => zip.files[n]!.dir)).toEqual([]);
    expect(names.slice(0, 2)).toEqual(['manifest.json', 'manifest.json.sig']);
    // Every file of the manifest is there with the committed hash.
    const { sha256Hex } = await import('../../src/crypto/hash');
    for (const [path, hash] of Object.entries(manifest.files)) {
      expect(await sha256Hex(await zip.file(path)!.async('uint8array')), path).toBe(hash);
    }
    expect(names.length).toBe(Object.keys(manifest.files).length + 2);
  });

  it('writes plain 32-bit headers: no ZIP64, no extra fields, the bundle date, stored media', async () => {
    const caps = [await makeCapture('c1')];
    const { blob } = await exportBundle(await makeInput(caps, await makeLedger(caps)));
    const bytes = await blobBytes(blob);
    const entries = await readCentralDirectory(zipSource(bytes));
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const created = new Date('2022-06-15T00:00:00.000Z');
    for (const e of entries) {
      // Local header: no extra field (no ZIP64 placeholder, no extended timestamp), DOS date of
      // createdAt (DOS dates are local time, as zip tools read them).
      expect(v.getUint32(e.localOffset, true)).toBe(0x04034b50);
      expect(v.getUint16(e.localOffset + 28, true), e.name).toBe(0);
      const dosDate = v.getUint16(e.localOffset + 12, true);
      expect([(dosDate >> 9) + 1980, (dosDate >> 5) & 15, dosDate & 31]).toEqual([created.getFullYear(), created.getMonth() + 1, created.getDate()]);
      expect(e.size).toBeLessThan(0xffffffff);
    }
    const png = entries.find((e) => e.name.endsWith('.png'))!;
    expect(png.method).toBe(0);
    expect(entries.find((e) => e.name === 'manifest.json')!.method).toBe(8);
  });

  it('refuses, before writing anything, a bundle that would need ZIP64', async () => {
    const c = await makeCapture('c1');
    const rec = JSON.parse(c.row.recordJson) as { artifacts: { size: number }[] };
    // Only the recorded sizes are looked at: a 5 GB claim fails before any byte is read.
    rec.artifacts[0]!.size = 5 * 1024 ** 3;
    const { canonicalJson, sha256Hex } = await import('../../src/crypto/hash');
    c.row.recordJson = canonicalJson(rec);
    c.row.hash = await sha256Hex(c.row.recordJson);
    let opened = false;
    const sink = async () => {
      opened = true;
      throw new Error('no sink expected');
    };
    await expect(exportBundle(await makeInput([c], await makeLedger([c])), { sink })).rejects.toThrow(/more than the .* a bundle (file )?may have/);
    expect(opened).toBe(false);
  });
});

describe('BundleZipWriter', () => {
  it('computes the zlib CRC-32', async () => {
    const { crc32 } = await import('../../src/bundle/zip-writer');
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    // Continued over pieces (the streamed path) it gives the same value as in one piece.
    const b = new Uint8Array(100_003).map((_, i) => (i * 31) & 0xff);
    expect(crc32(b.subarray(40_000), crc32(b.subarray(0, 40_000)))).toBe(crc32(b));
  });

  it('deflates with the CRC-32 taken from the gzip trailer, and reads any gzip header', async () => {
    const { crc32, deflateWithCrc, gzipBodyStart, prepareEntry } = await import('../../src/bundle/zip-writer');
    const { inflateRawSync } = await import('node:zlib');
    for (const data of [new Uint8Array(0), new TextEncoder().encode('郑州 红码 '.repeat(5000)), new Uint8Array(70_001).map((_, i) => (i * 7919) & 0xff)]) {
      const { body, crc } = await deflateWithCrc(data);
      expect(crc).toBe(crc32(data));
      expect(Buffer.from(inflateRawSync(body)).equals(Buffer.from(data))).toBe(true);
    }
    // Text deflates, random bytes stay stored: both carry the right CRC.
    const text = new TextEncoder().encode('村镇银行 '.repeat(1000));
    const deflated = await prepareEntry(text, false);
    expect(deflated.zip.method).toBe(8);
    expect(deflated.zip.crc).toBe(crc32(text));
    const rnd = crypto.getRandomValues(new Uint8Array(4096));
    const kept = await prepareEntry(rnd, false);
    expect(kept.zip.method).toBe(0);
    expect(kept.zip.crc).toBe(crc32(rnd));
    // Optional header fields (FEXTRA, FNAME, FCOMMENT, FHCRC) are skipped; a non-gzip is refused.
    const gz = (flags: number, fields: number[]) => new Uint8Array([0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3, ...fields, 3, 0, ...new Array(8).fill(0)]);
    expect(gzipBodyStart(gz(0, []))).toBe(10);
    expect(gzipBodyStart(gz(4 | 8 | 16 | 2, [2, 0, 0xaa, 0xbb, 0x61, 0x62, 0, 0x63, 0, 0x12, 0x34]))).toBe(21);
    expect(gzipBodyStart(new Uint8Array(20))).toBe(-1);
  });

  it('deflates bytes given piece by piece into the same body, CRC and size as given whole', async () => {
    const { crc32, deflatePieces } = await import('../../src/bundle/zip-writer');
    const { inflateRawSync } = await import('node:zlib');
    const pieces = Array.from({ length: 300 }, (_, i) => new TextEncoder().encode(`<section id="c-${i}">健康码 ${i}</section>\n`));
    const whole = Buffer.concat(pieces);
    const got = await deflatePieces(pieces);
    expect(got.size).toBe(whole.length);
    expect(got.crc).toBe(crc32(whole));
    expect(Buffer.from(inflateRawSync(got.body)).equals(whole)).toBe(true);
    expect((await deflatePieces([])).size).toBe(0);
  });

  it('writes every entry name right, ASCII and Chinese, in thousands of local headers and the directory', async () => {
    const { BlobPartsOut, BundleZipWriter } = await import('../../src/bundle/zip-writer');
    const parts = new BlobPartsOut();
    const zip = new BundleZipWriter(parts, new Date(Date.UTC(2022, 5, 14)));
    // ~2,500 names of 40–60 bytes, a third of them Chinese (UTF-8 longer than the string).
    const names = Array.from({ length: 2500 }, (_, i) => `captures/${String(i).padStart(6, '0')}-${i % 3 ? 'page' : '郑州健康码'}/record-${i}.json`);
    for (const n of names) await zip.add(n, new TextEncoder().encode(n), true);
    await zip.close();
    const bytes = new Uint8Array(await parts.blob('application/zip').arrayBuffer());
    expect((await readCentralDirectory(zipSource(bytes))).map((e) => e.name)).toEqual(names);
    const jz = await JSZip.loadAsync(bytes);
    expect(await jz.file(names[2499]!)!.async('string')).toBe(names[2499]);
  });

  it('streams entries over WHOLE_MAX with a data descriptor that unzip, JSZip and our reader accept', async () => {
    const { BundleZipWriter, WHOLE_MAX, streamOut } = await import('../../src/bundle/zip-writer');
    const { readEntry } = await import('../../src/bundle/zip-reader');
    // Text that deflates well, but under the verifier's 100:1 ratio limit.
    const lines: string[] = [];
    for (let i = 0, n = 0; n < WHOLE_MAX + 1000; i++) n += lines[lines.push(`<p>${i} 郑州 ${((i * 2654435761) >>> 0).toString(36)}</p>\n`) - 1]!.length;
    const text = new TextEncoder().encode(lines.join(''));
    const rnd = new Uint8Array(WHOLE_MAX + 5);
    for (let i = 0; i < rnd.length; i++) rnd[i] = (i * 2654435761) >>> 24;
    const chunks: Uint8Array[] = [];
    const z = new BundleZipWriter(streamOut(new WritableStream<Uint8Array>({ write: (c) => void chunks.push(c.slice()) }).getWriter()), new Date('2022-06-15T00:00:00Z'));
    await z.add('big.html', new Blob([text]), false);
    await z.add('big.bin', new Blob([rnd]), true);
    await z.add('small.txt', new TextEncoder().encode('x'), false);
    await z.close();
    const bytes = new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer());
    const src = zipSource(bytes);
    const entries = await readCentralDirectory(src);
    expect(entries.map((e) => [e.name, e.method])).toEqual([['big.html', 8], ['big.bin', 0], ['small.txt', 0]]);
    // Buffer.equals: toEqual on megabytes of typed array is far too slow.
    const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
    expect(same(await readEntry(src, entries[0]!), text)).toBe(true);
    expect(same(await readEntry(src, entries[1]!), rnd)).toBe(true);
    const jz = await JSZip.loadAsync(bytes, { checkCRC32: true });
    expect(same(await jz.file('big.bin')!.async('uint8array'), rnd)).toBe(true);
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { execFileSync } = await import('node:child_process');
    const { tempDir } = await import('./fixtures');
    const file = join(tempDir(), 'z.zip');
    writeFileSync(file, bytes);
    expect(execFileSync('unzip', ['-t', file], { encoding: 'utf8' })).toMatch(/No errors detected/);
  }, 60_000);
});

it('stores a small file that deflates past the verifier ratio limit, so its own bundle never looks like a zip bomb', async () => {
  const { BundleZipWriter, streamOut } = await import('../../src/bundle/zip-writer');
  const chunks: Uint8Array[] = [];
  const z = new BundleZipWriter(streamOut(new WritableStream<Uint8Array>({ write: (c) => void chunks.push(c.slice()) }).getWriter()), new Date());
  await z.add('zeros.html', new Uint8Array(4 * 1024 * 1024), false);
  await z.close();
  const bytes = new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer());
  const [e] = await readCentralDirectory(zipSource(bytes));
  expect(e!.method).toBe(0);
});
