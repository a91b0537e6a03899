import { describe, expect, it } from 'vitest';
import { douyinAdapter } from '../../src/adapters/douyin';
import { CAPTURED_AT, html, load } from './helpers';

const ctx = { capturedAt: CAPTURED_AT };
const run = (path: string) => douyinAdapter.extract(load(`douyin/www.douyin.com${path}.html`), new URL(`https://www.douyin.com${path}`), ctx);

describe('douyin adapter', () => {
  it('reads a video page: caption, author by secUid, publish time, counters as shown, one direct video', () => {
    const p = run('/video/7109123456789012345')!;
    expect(p).toMatchObject({
      platform: 'douyin',
      id: '7109123456789012345',
      url: 'https://www.douyin.com/video/7109123456789012345',
      author: { name: '中原见闻录', id: 'MS4wLjABAAAAhEnAnWiTnEsS01', url: 'https://www.douyin.com/user/MS4wLjABAAAAhEnAnWiTnEsS01' },
      publishedAtText: '发布时间：2022-06-14 19:05',
      publishedAt: '2022-06-14T11:05:00.000Z',
      status: 'available',
      quoted: null,
    });
    expect(p.text).toContain('其中一位在高速收费站就被拦下');
    expect(p.text).not.toContain('展开');
    expect(p.metrics).toEqual({ likes: '1.8万', comments: '2342', reposts: null });
    expect(p.media).toHaveLength(1);
    expect(p.media[0]).toMatchObject({ type: 'video' });
    expect(p.media[0]!.url).toMatch(/^https:\/\/v26-web\.douyinvod\.com\/.*mime_type=video_mp4/);
  });

  it('clicks "展开" in the caption', async () => {
    const doc = load('douyin/www.douyin.com/video/7109123456789012345.html');
    const more = doc.querySelector('[data-e2e="video-desc"] .yYbLqLQO')!;
    more.addEventListener('click', () => {
      doc.querySelector('[data-e2e="video-desc"] h1')!.insertAdjacentHTML('beforeend', '<span>（完整版见评论区置顶）</span>');
      more.textContent = '收起';
    });
    expect(await douyinAdapter.expand!(doc)).toBe(1);
    expect(douyinAdapter.extract(doc, new URL('https://www.douyin.com/video/7109123456789012345'), ctx)!.text).toContain('完整版见评论区置顶');
  });

  it('reads an image post: four slides, fields from the page and its RENDER_DATA', () => {
    const p = run('/note/7109234567890123456')!;
    expect(p.id).toBe('7109234567890123456');
    expect(p.author).toMatchObject({ name: '开封储户小王', id: 'MS4wLjABAAAAkAiFeNgXiAoWaNg02' });
    // No time shown in the DOM: createTime from the data.
    expect(p.publishedAt).toBe('2022-06-14T10:00:00.000Z');
    expect(p.text).toContain('又在几天后变回绿');
    expect(p.media.map((m) => m.type)).toEqual(['image', 'image', 'image', 'image']);
    expect(p.media[3]!.url).toBe('https://p3-pc-sign.douyinpic.com/tos-cn-i-0813/noteImg04~tplv-dy-aweme-images.jpeg');
    expect(p.metrics).toEqual({ likes: '3021', comments: '488', reposts: '97' });
  });

  it('reads a repost: the original card becomes quoted; a blob: video is not a media file', () => {
    const p = run('/video/7109345678901234567')!;
    expect(p.author.name).toBe('郑州小区志愿者');
    expect(p.publishedAt).toBe('2022-06-14T13:40:00.000Z');
    expect(p.media).toEqual([]);
    expect(p.quoted).toMatchObject({
      id: '7109123456789012345',
      url: 'https://www.douyin.com/video/7109123456789012345',
      author: { name: '中原见闻录', id: 'MS4wLjABAAAAhEnAnWiTnEsS01' },
      status: 'available',
    });
    expect(p.quoted!.text).toContain('出门前码就红了');
    expect(p.quoted!.media).toHaveLength(1);
  });

  it('"作品已删除" is deleted', () => {
    expect(run('/video/7109000000000000001')).toMatchObject({ status: 'deleted', id: '7109000000000000001', text: '作品已删除' });
  });

  it('"该内容暂时无法无法查看" (sic) and private works are unavailable, not deleted', () => {
    for (const notice of ['该内容暂时无法无法查看', '作品不存在', '私密作品，仅作者可见']) {
      const p = douyinAdapter.extract(html(`<div class="YHLb5kLz"><p>${notice}</p></div>`), new URL('https://www.douyin.com/video/1'), ctx)!;
      expect(p.status, notice).toBe('unavailable');
    }
  });
});
