/**
 * Bundled by bench/lib/inject.ts and evaluated inside an extension page of the benchmark profile, so
 * that the seeded rows go through the extension's own Dexie schema and search index. Never part of
 * the extension build.
 */
import { getDb } from '../../src/store/db';
import { ensureDefaultCase } from '../../src/store/cases';
import { seedCaptureRow, seedCaptures, storeSeeded, type SeedArtifact, type SeededBody } from '../../src/store/seed';
import type { CaptureRow } from '../../src/store/schema';

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
    const blobs: SeededBody[] = [];
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
      const artifacts: SeedArtifact[] = [
        { kind: 'html-snapshot', mediaType: 'text/html', bytes: html },
        { kind: 'screenshot-full', mediaType: 'image/png', bytes: shot },
      ];
      const seeded = await seedCaptureRow({
        id,
        caseId: 'default',
        url,
        capturedAt,
        page: { title: `Bench ${i}`, canonicalUrl: null, author: null, publishedAt: null, siteName: 'example.org', lang: 'zh-CN', description: null },
        artifacts,
        trustedTime: 'disabled',
      });
      rows.push(seeded.row);
      blobs.push(...seeded.blobs);
      bytes += seeded.row.size;
      largest = Math.max(largest, ...artifacts.map((a) => a.bytes.length));
      ids.push(id);
    }
    await storeSeeded(db, rows, blobs);
  }
  return { ids, bytes, largest };
}

/** The library benchmark's store: seed.ts's realistic captures, blobs only for the newest page. */
async function seedLibrary(n: number): Promise<number> {
  const ids = await seedCaptures(getDb(), n, { blobs: 100 });
  return ids.length;
}

(globalThis as unknown as { __jzBench: unknown }).__jzBench = { seedLarge, seedLibrary };
