/**
 * Bundled by bench/lib/inject.ts and evaluated inside an extension page of the benchmark profile, so
 * that the seeded rows go through the extension's own Dexie schema and search index. Never part of
 * the extension build.
 */
import { artifactPath, RECORD_FORMAT, RECORD_FORMAT_VERSION, type ArtifactEntry, type CaptureRecord } from '../../src/bundle/format';
import { canonicalJson, sha256Hex } from '../../src/crypto/hash';
import { appendEvents } from '../../src/store/ledger-store';
import { getDb } from '../../src/store/db';
import { ensureDefaultCase } from '../../src/store/cases';
import { seedCaptures } from '../../src/store/seed';
import type { BlobRow, CaptureRow } from '../../src/store/schema';
import { TOOL } from '../../src/shared/tool';

const LINES = [
  '河南村镇银行储户到郑州维权，健康码被赋红码。',
  'Depositors of rural banks in Henan found their health codes had turned red.',
  '郑州市纪委监委通报，对擅自赋红码的人员进行问责。',
  'The reports were deleted within days of publication.',
];

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

/**
 * n captures of about `kb` KB each: half compressible HTML (text that deflates well), half random
 * bytes as the full screenshot (which does not), like real pages with photos.
 */
async function seedLarge(n: number, kb: number): Promise<{ ids: string[]; bytes: number; largest: number }> {
  const db = getDb();
  await ensureDefaultCase(db);
  const enc = new TextEncoder();
  const ids: string[] = [];
  let bytes = 0;
  let largest = 0;
  const half = Math.floor((kb * 1024) / 2);
  for (let b = 0; b < n; b += 50) {
    const rows: CaptureRow[] = [];
    const blobs: BlobRow[] = [];
    for (let i = b; i < Math.min(n, b + 50); i++) {
      const id = crypto.randomUUID();
      const capturedAt = new Date(Date.UTC(2022, 5, 14, 8) + i * 60_000).toISOString();
      const url = `https://example.org/bench/${i}`;
      const parts = [`<!doctype html><html><head><meta charset="utf-8"><title>Bench ${i}</title></head><body>`];
      for (let k = 0, len = 0; len < half; k++) {
        const p = `<p data-n="${i}-${k}">${LINES[k % LINES.length]} ${k}</p>\n`;
        parts.push(p);
        len += enc.encode(p).length;
      }
      const html = enc.encode(`${parts.join('')}</body></html>`);
      const shot = randomBytes(half);
      const files: [ArtifactEntry['kind'], string, Uint8Array][] = [
        ['html-snapshot', 'text/html', html],
        ['screenshot-full', 'image/png', shot],
      ];
      const artifacts: ArtifactEntry[] = [];
      for (const [kind, mediaType, data] of files) {
        const path = artifactPath(id, kind as Exclude<ArtifactEntry['kind'], 'media'>);
        artifacts.push({ path, kind, mediaType, size: data.length, sha256: await sha256Hex(data) });
        blobs.push({ path, captureId: id, data: new Blob([data as BlobPart], { type: mediaType }) });
        largest = Math.max(largest, data.length);
      }
      const record: CaptureRecord = {
        format: RECORD_FORMAT,
        formatVersion: RECORD_FORMAT_VERSION,
        id,
        url,
        finalUrl: url,
        capturedAt,
        tool: TOOL,
        page: { title: `Bench ${i}`, canonicalUrl: null, author: null, publishedAt: null, siteName: 'example.org', lang: 'zh-CN', description: null },
        post: null,
        artifacts,
      };
      const recordJson = canonicalJson(record);
      const size = artifacts.reduce((a, x) => a + x.size, 0);
      bytes += size;
      rows.push({ id, caseId: 'default', hash: await sha256Hex(recordJson), recordJson, url, finalUrl: url, capturedAt, title: `Bench ${i}`, site: 'example.org', platform: null, postStatus: null, tags: [], notes: [], trustedTime: 'disabled', artifacts, size, deleted: 0 });
      ids.push(id);
    }
    await db.transaction('rw', db.captures, db.blobs, db.ledger, async () => {
      await db.captures.bulkAdd(rows);
      await db.blobs.bulkAdd(blobs);
      await appendEvents(db, rows.map((r) => ({ time: r.capturedAt, type: 'captured' as const, captureId: r.id, payload: { hash: r.hash, url: r.url, seeded: true } })));
    });
  }
  return { ids, bytes, largest };
}

/** The library benchmark's store: seed.ts's realistic captures, blobs only for the newest page. */
async function seedLibrary(n: number): Promise<number> {
  const ids = await seedCaptures(getDb(), n, { blobs: 100 });
  return ids.length;
}

(globalThis as unknown as { __jzBench: unknown }).__jzBench = { seedLarge, seedLibrary };
