import type { CaptureRecord } from '../../src/bundle/format';
import type { NewCapture } from '../../src/store/captures';
import { seedCaptureRow, type SeedArtifact } from '../../src/store/seed';

/** What the capture pipeline hands saveCapture, for a small capture of news.example/henan/<id>. */
export async function newCapture(id: string, caseId: string, artifacts: SeedArtifact[], title = '村镇银行储户的健康码变红'): Promise<NewCapture> {
  const { row, blobs } = await seedCaptureRow({
    id,
    caseId,
    url: `https://news.example/henan/${id}`,
    capturedAt: '2022-06-14T08:00:00.000Z',
    page: { title, canonicalUrl: null, author: null, publishedAt: null, siteName: 'news.example', lang: 'zh-CN', description: null },
    artifacts,
    trustedTime: 'none',
  });
  return {
    record: JSON.parse(row.recordJson) as CaptureRecord,
    recordJson: row.recordJson,
    hash: row.hash,
    caseId,
    artifacts: blobs.map((b, i) => ({ entry: row.artifacts[i]!, stored: b })),
    trustedTime: row.trustedTime,
  };
}
