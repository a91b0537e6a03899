/**
 * Dev/benchmark only: fills a store with realistic captures (mixed Chinese and English titles and
 * text, several sites and platforms, some URLs captured more than once) with their blobs, 'captured'
 * ledger events and search index entries, in batches so that 10,000 captures take seconds.
 * Never used by the extension's own code paths.
 */
import { artifactPath, RECORD_FORMAT, RECORD_FORMAT_VERSION, type ArtifactEntry, type CaptureRecord, type PageInfo, type Post, type PostPlatform } from '../bundle/format';
import { canonicalJson, sha256Hex } from '../crypto/hash';
import { appendEvents } from './ledger-store';
import { indexDocuments, type SearchDocument } from '../search/index';
import type { SearchDB } from '../search/db';
import { getSearchDb } from '../search/db';
import { TOOL } from '../shared/tool';
import { ensureDefaultCase } from './cases';
import type { EvidenceDB } from './db';
import { prepareArtifact, removeArtifactFiles, storeCaptureBodies, type ArtifactBody } from './artifacts';
import { packLoose } from './packs';
import type { BlobRow, CaptureRow, TrustedTimeStatus } from './schema';

export interface SeedOptions {
  caseId?: string;
  /**
   * Write artifact blobs (snapshot, screenshot, text). Default true. A number writes them only for
   * that many of the most recent captures: browsers store each Blob as a file, which dominates the
   * time of a 10,000-capture seed, while the list's first page needs only the newest ones.
   */
  blobs?: boolean | number;
  /** Append a 'captured' ledger event per capture. Default true. */
  ledger?: boolean;
  /** Index for search (default: the shared search DB); false to skip. */
  index?: SearchDB | false;
  /** Capture time of the first capture; later ones are one minute apart. */
  start?: Date;
  batch?: number;
  /** Deterministic pseudo-random seed. */
  seed?: number;
}

const SITES: { site: string; platform: PostPlatform | null; base: string }[] = [
  { site: 'weibo.com', platform: 'weibo', base: 'https://weibo.com/u/' },
  { site: 'mp.weixin.qq.com', platform: 'wechat', base: 'https://mp.weixin.qq.com/s/' },
  { site: 'x.com', platform: 'x', base: 'https://x.com/status/' },
  { site: 'zhihu.com', platform: 'zhihu', base: 'https://www.zhihu.com/question/' },
  { site: 'thepaper.cn', platform: null, base: 'https://www.thepaper.cn/newsDetail_forward_' },
  { site: 'reuters.com', platform: null, base: 'https://www.reuters.com/world/china/' },
  { site: 'bbc.com', platform: null, base: 'https://www.bbc.com/news/world-asia-china-' },
];

const ZH = [
  '河南村镇银行储户到郑州维权，健康码被赋红码。',
  '禹州新民生村镇银行储户反映取款难已经两个多月。',
  '多名储户称入豫后豫康码变红，无法乘坐公共交通。',
  '郑州市纪委监委通报，对擅自赋红码的人员进行问责。',
  '烂尾楼业主联名发布停贷告知书，要求项目尽快复工。',
  '上蔡惠民村镇银行、柘城黄淮村镇银行、开封新东方村镇银行同样受到影响。',
  '网友拨打12345热线转码申诉，被告知系统自动判定。',
  '有关报道在发布数日后被删除，评论区已关闭。',
  '今天郑州天气晴，最高气温三十六度。',
  '大数据不应成为限制公民出行的工具。',
];
const EN = [
  'Depositors of rural banks in Henan found their health codes had turned red.',
  'Officials in Zhengzhou were punished for assigning red codes to bank depositors.',
  'Homebuyers of stalled projects announced a mortgage boycott.',
  'The reports were deleted within days of publication.',
  'Protesters gathered outside the People’s Bank of China branch in Zhengzhou.',
  'The weather in Zhengzhou was hot and sunny today.',
  'Health code apps were used to stop people from travelling to petition.',
  'Four village banks froze withdrawals in April.',
];
const TITLES_ZH = ['河南储户被赋红码', '郑州通报红码事件问责结果', '村镇银行取款难调查', '烂尾楼业主停贷', '豫康码变红的储户', '郑州发布：关于健康码的说明'];
const TITLES_EN = ['Henan bank depositors get red health codes', 'Zhengzhou officials punished over red codes', 'China rural bank scandal', 'Mortgage boycott spreads', 'Deleted: health code report'];
const AUTHORS = ['郑州储户之声', '豫见真相', 'Jane Reporter', '河南日报', 'HK Observer', '维权律师'];
const STATUSES: TrustedTimeStatus[] = ['stamped', 'stamped', 'pending', 'none', 'disabled'];
const TAGS = ['红码', 'bank', '停贷', 'deleted', '关键'];

// 1×1 PNG: the benchmark needs a screenshot blob, not a picture.
const PNG = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0));

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** One artifact of a seeded capture. */
export interface SeedArtifact {
  kind: Exclude<ArtifactEntry['kind'], 'media'>;
  mediaType: string;
  bytes: Uint8Array;
  /** The bytes' SHA-256 when already known (a constant shared by many captures), to skip hashing. */
  sha256?: string;
}

/** What a seeded capture is made of; seedCaptureRow() builds the record, its hash and the row. */
export interface SeedCapture {
  id: string;
  caseId: string;
  url: string;
  capturedAt: string;
  /** The record's page facts; title and siteName also fill the row's title and site. */
  page: PageInfo & { siteName: string };
  post?: Post | null;
  artifacts: SeedArtifact[];
  /** Also return the artifacts' bytes as blob rows. Default true. */
  blobs?: boolean;
  tags?: string[];
  trustedTime: TrustedTimeStatus;
}

/**
 * The store rows one capture would have had, had it been captured: the artifact entries, the
 * canonical record and its hash, as the capture pipeline writes them. Shared by seedCaptures and
 * the benchmark's seeder so that both seed the same row shape.
 */
export async function seedCaptureRow(c: SeedCapture): Promise<{ row: CaptureRow; blobs: SeededBody[] }> {
  const artifacts: ArtifactEntry[] = [];
  const blobs: SeededBody[] = [];
  for (const { kind, mediaType, bytes, sha256 } of c.artifacts) {
    const path = artifactPath(c.id, kind);
    artifacts.push({ path, kind, mediaType, size: bytes.length, sha256: sha256 ?? (await sha256Hex(bytes)) });
    // The stored form the capture pipeline makes (src/store/artifacts.ts).
    if (c.blobs !== false) blobs.push({ ...(await prepareArtifact(path, mediaType, bytes)), captureId: c.id });
  }
  const post = c.post ?? null;
  const record: CaptureRecord = {
    format: RECORD_FORMAT,
    formatVersion: RECORD_FORMAT_VERSION,
    id: c.id,
    url: c.url,
    finalUrl: c.url,
    capturedAt: c.capturedAt,
    tool: TOOL,
    page: c.page,
    post,
    artifacts,
  };
  const recordJson = canonicalJson(record);
  const row: CaptureRow = {
    id: c.id,
    caseId: c.caseId,
    hash: await sha256Hex(recordJson),
    recordJson,
    url: c.url,
    finalUrl: c.url,
    capturedAt: c.capturedAt,
    title: c.page.title,
    site: c.page.siteName,
    platform: post?.platform ?? null,
    postStatus: post?.status ?? null,
    tags: c.tags ?? [],
    notes: [],
    trustedTime: c.trustedTime,
    artifacts,
    size: artifacts.reduce((a, x) => a + x.size, 0),
    deleted: 0,
  };
  return { row, blobs };
}

/** A seeded artifact's stored form, with its capture. */
export type SeededBody = ArtifactBody & { captureId: string };

/**
 * Writes seeded rows and their artifacts (files first, as saveCapture does), with a 'captured'
 * ledger event per capture unless `ledger` is false.
 */
export async function storeSeeded(db: EvidenceDB, rows: CaptureRow[], bodies: SeededBody[], ledger = true): Promise<void> {
  const byCapture = new Map<string, SeededBody[]>();
  for (const b of bodies) (byCapture.get(b.captureId) ?? byCapture.set(b.captureId, []).get(b.captureId)!).push(b);
  const blobs: BlobRow[] = [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  try {
    for (const [id, items] of byCapture) {
      const row = byId.get(id);
      if (!row) throw new Error(`seeded files for capture ${id}, which has no row`);
      const stored = await storeCaptureBodies(id, row.capturedAt, row.recordJson, items);
      blobs.push(...stored.rows);
      Object.assign(row, stored.row);
    }
  } catch (e) {
    await removeArtifactFiles([...byCapture.keys()]);
    throw e;
  }
  try {
    await db.transaction('rw', db.captures, db.blobs, db.ledger, async () => {
      await db.captures.bulkAdd(rows);
      if (blobs.length) await db.blobs.bulkAdd(blobs);
      if (ledger) {
        await appendEvents(db, rows.map((r) => ({ time: r.capturedAt, type: 'captured' as const, captureId: r.id, payload: { hash: r.hash, url: r.url, seeded: true } })));
      }
    });
  } catch (e) {
    await removeArtifactFiles([...byCapture.keys()]);
    throw e;
  }
  // As after a capture (entrypoints/background.ts): small chunks merged once enough are loose.
  await packLoose(db);
}

export async function seedCaptures(db: EvidenceDB, n: number, opts: SeedOptions = {}): Promise<string[]> {
  await ensureDefaultCase(db);
  const caseId = opts.caseId ?? 'default';
  const rand = rng(opts.seed ?? 20220614);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
  const start = (opts.start ?? new Date(Date.UTC(2022, 5, 10, 8, 0, 0))).getTime();
  const batch = opts.batch ?? 500;
  const sdb = opts.index === false ? null : (opts.index ?? getSearchDb());
  const ids: string[] = [];
  const enc = new TextEncoder();
  let pngHash: string | undefined;

  for (let b = 0; b < n; b += batch) {
    const rows: CaptureRow[] = [];
    const blobs: SeededBody[] = [];
    const docs: SearchDocument[] = [];
    for (let i = b; i < Math.min(n, b + batch); i++) {
      const id = crypto.randomUUID();
      // Every seventh capture revisits an earlier URL, so that version lists and diffs have material.
      const urlNo = i % 7 === 6 ? Math.floor(i / 7) : i;
      const s = SITES[(urlNo * 2654435761) % SITES.length]!;
      const url = `${s.base}${1000000 + urlNo}`;
      const zh = rand() < 0.65;
      const title = zh ? `${pick(TITLES_ZH)}（${i}）` : `${pick(TITLES_EN)} (${i})`;
      const lines: string[] = [];
      for (let k = 0; k < 6; k++) lines.push(zh || rand() < 0.3 ? pick(ZH) : pick(EN));
      const text = `${title}\n${lines.join('\n')}\n`;
      const capturedAt = new Date(start + i * 60_000).toISOString();
      const post: Post | null = s.platform
        ? {
            platform: s.platform,
            id: String(urlNo),
            url,
            author: { name: pick(AUTHORS), id: null, url: null },
            title: null,
            text: lines.slice(0, 2).join(''),
            publishedAt: capturedAt,
            publishedAtText: null,
            media: [],
            metrics: { reposts: null, comments: null, likes: null },
            quoted: null,
            status: rand() < 0.1 ? 'deleted' : 'available',
          }
        : null;
      const html = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${lines.map((l) => `<p>${l}</p>`).join('')}</body></html>`;
      const tags = rand() < 0.2 ? [pick(TAGS)] : [];
      const seeded = await seedCaptureRow({
        id,
        caseId,
        url,
        capturedAt,
        page: { title, canonicalUrl: null, author: post?.author.name ?? null, publishedAt: null, siteName: s.site, lang: zh ? 'zh-CN' : 'en', description: null },
        post,
        artifacts: [
          { kind: 'html-snapshot', mediaType: 'text/html', bytes: enc.encode(html) },
          { kind: 'screenshot-visible', mediaType: 'image/png', bytes: PNG, sha256: (pngHash ??= await sha256Hex(PNG)) },
          { kind: 'text', mediaType: 'text/plain; charset=utf-8', bytes: enc.encode(text) },
        ],
        blobs: opts.blobs === undefined || opts.blobs === true || (typeof opts.blobs === 'number' && i >= n - opts.blobs),
        tags,
        trustedTime: pick(STATUSES),
      });
      rows.push(seeded.row);
      blobs.push(...seeded.blobs);
      docs.push({ id, capturedAt, title, urls: [url], text, post, tags, extra: [s.site] });
      ids.push(id);
    }
    await storeSeeded(db, rows, blobs, opts.ledger !== false);
    if (sdb) await indexDocuments(docs, sdb);
  }
  return ids;
}
