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
