import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAdapters } from '../../src/adapters/registry';
import { SOCIAL_FIXTURES, fixtureFileFor } from '../fixtures/social/index';
import { CAPTURED_AT, FIXTURES, load } from './helpers';

describe('SOCIAL_FIXTURES table', () => {
  it('has, per platform, one end-to-end fixture, a deletion notice and a post with several images', () => {
    for (const platform of ['weibo', 'wechat', 'x', 'zhihu', 'douyin', 'toutiao']) {
      const mine = SOCIAL_FIXTURES.filter((f) => f.platform === platform);
      expect(mine.filter((f) => f.e2e), platform).toHaveLength(1);
      expect(mine.some((f) => f.expect.status === 'deleted'), platform).toBe(true);
      expect(mine.some((f) => f.expect.mediaCount >= 2), platform).toBe(true);
    }
  });

  it.each(SOCIAL_FIXTURES.map((f) => [f.url, f] as const))('%s reads as the table says', async (_url, f) => {
    expect(fixtureFileFor(f.platform, f.url, 'page')).toBe(f.file);
    const r = await runAdapters(load(f.file), new URL(f.url), { capturedAt: CAPTURED_AT });
    expect(r.adapter).toBe(f.platform);
    const p = r.post!;
    expect(p.platform).toBe(f.platform);
    expect(p.id).toBe(f.expect.id);
    expect(p.author.name).toBe(f.expect.authorName);
    expect(p.status).toBe(f.expect.status);
    expect(p.media).toHaveLength(f.expect.mediaCount);
    if (f.expect.textIncludes) expect(p.text).toContain(f.expect.textIncludes);
    // Every image of an end-to-end fixture can be served from here, so a capture can hash it.
    if (f.e2e) for (const m of p.media) expect(existsSync(join(FIXTURES, fixtureFileFor(f.platform, m.url, 'media'))), m.url).toBe(true);
  });

  it('fixture media files are small images', () => {
    const f = join(FIXTURES, 'x/pbs.twimg.com/media/FVcRedCodeA3');
    const bytes = readFileSync(f);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(bytes.length).toBeLessThan(4096);
  });
});
