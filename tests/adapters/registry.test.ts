import { describe, expect, it } from 'vitest';
import { findAdapter, runAdapters } from '../../src/adapters/registry';
import type { SiteAdapter } from '../../src/adapters/types';
import { CAPTURED_AT, html, load } from './helpers';

const ctx = { capturedAt: CAPTURED_AT };

describe('findAdapter', () => {
  const cases: [string, string][] = [
    ['weibo.com', 'weibo'], ['www.weibo.com', 'weibo'], ['m.weibo.cn', 'weibo'], ['weibo.cn', 'weibo'],
    ['mp.weixin.qq.com', 'wechat'],
    ['x.com', 'x'], ['twitter.com', 'x'], ['mobile.twitter.com', 'x'],
    ['zhihu.com', 'zhihu'], ['www.zhihu.com', 'zhihu'], ['zhuanlan.zhihu.com', 'zhihu'],
    ['douyin.com', 'douyin'], ['www.douyin.com', 'douyin'],
    ['toutiao.com', 'toutiao'], ['www.toutiao.com', 'toutiao'], ['m.toutiao.com', 'toutiao'],
  ];
  it.each(cases)('%s → %s over http and https', (host, platform) => {
    expect(findAdapter(new URL(`https://${host}/x`))?.platform).toBe(platform);
    expect(findAdapter(new URL(`http://${host.toUpperCase()}/x`))?.platform).toBe(platform);
  });

  it('says null for other hosts, look-alike hosts and other schemes', () => {
    for (const u of ['https://example.org/', 'https://weibo.com.evil.example/', 'https://notx.com/', 'https://qq.com/', 'ftp://weibo.com/', 'file:///weibo.com/a'])
      expect(findAdapter(new URL(u)), u).toBeNull();
  });
});

const article = `<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"储户红码调查","author":{"@type":"Person","name":"林远"},"datePublished":"2022-06-14T08:00:00+08:00","image":["https://img.example/a.jpg"]}</script>`;

describe('runAdapters', () => {
  it('uses the platform adapter when it finds the post, and expands folds first', async () => {
    const doc = load('x/x.com/henan_watch/status/1536587654321098752.html');
    const more = doc.querySelector('[data-testid="tweet-text-show-more-link"]')!;
    more.addEventListener('click', () => more.remove());
    const r = await runAdapters(doc, new URL('https://x.com/henan_watch/status/1536587654321098752'), ctx);
    expect(r.adapter).toBe('x');
    expect(r.post?.id).toBe('1536587654321098752');
    expect(r.notes).toEqual(['x adapter expanded 1 folded text']);
  });

  it('falls back to generic fields when the adapter throws, and says so', async () => {
    const throwing: SiteAdapter = {
      platform: 'weibo',
      matches: (u) => u.hostname === 'weibo.com',
      expand: async () => {
        throw new Error('no click here');
      },
      extract: () => {
        throw new Error('markup changed');
      },
    };
    const r = await runAdapters(html(article), new URL('https://weibo.com/1/Abc'), ctx, [throwing]);
    expect(r.adapter).toBe('generic');
    expect(r.post).toMatchObject({ platform: 'weibo', title: '储户红码调查', author: { name: '林远' }, publishedAt: '2022-06-14T00:00:00.000Z' });
    expect(r.notes).toEqual(['weibo adapter could not expand folded text: no click here', 'weibo adapter failed: markup changed; generic fields used']);
  });

  it('falls back when the adapter finds nothing, and says when generic finds nothing either', async () => {
    const r = await runAdapters(html(`<div>首页</div>${article}`), new URL('https://www.zhihu.com/'), ctx);
    expect(r).toMatchObject({ adapter: 'generic', notes: ['zhihu adapter found no post; generic fields used'] });
    expect(r.post!.title).toBe('储户红码调查');
    const none = await runAdapters(html('<div>首页</div>'), new URL('https://www.zhihu.com/'), ctx);
    expect(none).toEqual({ post: null, adapter: 'generic', notes: ['zhihu adapter found no post; no generic fields either'] });
  });

  it('runs the generic adapter alone on other sites', async () => {
    const r = await runAdapters(html(article), new URL('https://news.example/a/1'), ctx);
    expect(r).toMatchObject({ adapter: 'generic', notes: [], post: { platform: 'generic', media: [{ url: 'https://img.example/a.jpg', type: 'image' }] } });
  });
});
