import { describe, expect, it } from 'vitest';
import { originalMediaUrl, wechatAdapter } from '../../src/adapters/wechat';
import { CAPTURED_AT, html, load } from './helpers';

const ctx = { capturedAt: CAPTURED_AT };
const run = (token: string) =>
  wechatAdapter.extract(load(`wechat/mp.weixin.qq.com/s/${token}.html`), new URL(`https://mp.weixin.qq.com/s/${token}`), ctx);

describe('wechat adapter', () => {
  it('reads an article: title, account, unix time from script text, body, original images', () => {
    const p = run('Hn3xRc0deQz7Vb2Lk9PmAq')!;
    expect(p).toMatchObject({ platform: 'wechat', id: 'Hn3xRc0deQz7Vb2Lk9PmAq', status: 'available', quoted: null });
    expect(p.title).toBe('被“赋红码”的储户们：一份时间线');
    expect(p.author).toEqual({
      name: '中原纪事',
      id: 'gh_0a1b2c3d4e5f',
      url: 'https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzA5NzQ1MjgxOQ%3D%3D',
    });
    // var ct = "1655191800" → 2022-06-14 15:30 Beijing.
    expect(p.publishedAt).toBe('2022-06-14T07:30:00.000Z');
    expect(p.text).toMatch(/^记者 林远\n6月12日起/);
    expect(p.text).toContain('本号将持续记录');
    expect(p.media.map((m) => m.url)).toEqual([
      'https://mmbiz.qpic.cn/mmbiz_jpg/Qz7HnTl0aBcDeF1/0?wx_fmt=jpeg',
      'https://mmbiz.qpic.cn/mmbiz_png/Qz7HnTl0aBcDeF2/0?wx_fmt=png',
      'https://mmbiz.qpic.cn/mmbiz_jpg/Qz7HnTl0aBcDeF3/0?wx_fmt=jpeg',
    ]);
    expect(p.metrics.likes).toBe('2412');
  });

  it('reads a shared article: the comment is the text, the original becomes quoted', () => {
    const p = run('ShAr3dPostY2pQ8rZkVb1w')!;
    expect(p.author.name).toBe('豫北街坊');
    expect(p.text).toContain('请留言，我们一起记录');
    expect(p.text).not.toContain('中原纪事');
    expect(p.publishedAtText).toBe('2022年6月14日 21:30');
    expect(p.publishedAt).toBe('2022-06-14T13:30:00.000Z');
    expect(p.media).toHaveLength(0);
    expect(p.quoted).toMatchObject({
      platform: 'wechat',
      id: 'Hn3xRc0deQz7Vb2Lk9PmAq',
      title: '被“赋红码”的储户们：一份时间线',
      author: { name: '中原纪事', id: null, url: null },
    });
    expect(p.quoted!.media[0]!.url).toBe('https://mmbiz.qpic.cn/mmbiz_jpg/Qz7HnCover0aBcD/0?wx_fmt=jpeg');
  });

  it('"该内容已被发布者删除" is deleted', () => {
    const p = run('DeLeted0Art1cle9xYzAb')!;
    expect(p).toMatchObject({ status: 'deleted', id: 'DeLeted0Art1cle9xYzAb', text: '该内容已被发布者删除' });
  });

  it('"此内容因违规无法查看" is removed', () => {
    expect(run('RemOved0Art1cle7uVwXy')!.status).toBe('removed');
    const doc = html('<div class="weui-msg"><h2 class="weui-msg__title">此内容被投诉且经审核涉嫌侵权，无法查看。</h2></div>');
    expect(wechatAdapter.extract(doc, new URL('https://mp.weixin.qq.com/s/x'), ctx)!.status).toBe('removed');
  });

  it('"该公众号已迁移" is unavailable', () => {
    const doc = html('<div class="weui-msg"><h2 class="weui-msg__title">该公众号已迁移</h2></div>');
    expect(wechatAdapter.extract(doc, new URL('https://mp.weixin.qq.com/s/x'), ctx)!.status).toBe('unavailable');
  });

  it('ids from the long /s?__biz=… form', () => {
    const doc = load('wechat/mp.weixin.qq.com/s/Hn3xRc0deQz7Vb2Lk9PmAq.html');
    const p = wechatAdapter.extract(doc, new URL('http://mp.weixin.qq.com/s?__biz=MzA5NzQ1MjgxOQ==&mid=2650012345&idx=1&sn=0a1b'), ctx)!;
    expect(p.id).toBe('MzA5NzQ1MjgxOQ==:2650012345:1');
  });

  it('rewrites mmbiz sizes to the original and keeps only wx_fmt', () => {
    expect(originalMediaUrl('http://mmbiz.qpic.cn/mmbiz_png/abc/640?wx_fmt=png&tp=webp&wxfrom=5')).toBe('https://mmbiz.qpic.cn/mmbiz_png/abc/0?wx_fmt=png');
    expect(originalMediaUrl('https://mmbiz.qpic.cn/sz_mmbiz_jpg/abc/300')).toBe('https://mmbiz.qpic.cn/sz_mmbiz_jpg/abc/0');
  });
});
