import { describe, expect, it } from 'vitest';
import { originalMediaUrl, zhihuAdapter } from '../../src/adapters/zhihu';
import { CAPTURED_AT, load } from './helpers';

const ctx = { capturedAt: CAPTURED_AT };
const run = (host: string, path: string) => zhihuAdapter.extract(load(`zhihu/${host}${path}.html`), new URL(`https://${host}${path}`), ctx);

describe('zhihu adapter', () => {
  it('reads an answer: data-zop id, microdata author and times, text, original images, counters', () => {
    const p = run('www.zhihu.com', '/question/534567890/answer/2512345678')!;
    expect(p).toMatchObject({
      platform: 'zhihu',
      id: '2512345678',
      url: 'https://www.zhihu.com/question/534567890/answer/2512345678',
      title: '如何看待河南部分村镇银行储户健康码被赋红码？',
      author: { name: '法律从业者小周', id: 'xiao-zhou-law', url: 'https://www.zhihu.com/people/xiao-zhou-law' },
      publishedAt: '2022-06-14T04:20:11.000Z',
      publishedAtText: '发布于 2022-06-14 12:20',
      status: 'available',
    });
    expect(p.text).toMatch(/^谢邀。/);
    expect(p.text).toContain('第三，保留证据');
    expect(p.text).not.toContain('阅读全文');
    expect(p.text).not.toContain('一位储户提供的健康码截图');
    expect(p.media.map((m) => m.url)).toEqual([
      'https://pic2.zhimg.com/v2-a1b2c3d4e5f60718_r.jpg',
      'https://pic3.zhimg.com/v2-b2c3d4e5f6071829_r.jpg',
      'https://pic4.zhimg.com/v2-c3d4e5f607182930_r.png',
    ]);
    expect(p.metrics).toEqual({ reposts: null, comments: '733', likes: '5621' });
  });

  it('clicks "阅读全文" on a collapsed answer', async () => {
    const doc = load('zhihu/www.zhihu.com/question/534567890/answer/2512345678.html');
    const more = doc.querySelector('.ContentItem-more')!;
    more.addEventListener('click', () => {
      doc.querySelector('.RichText')!.insertAdjacentHTML('beforeend', '<p>第四，补充：转码后也要截图。</p>');
      more.remove();
    });
    expect(await zhihuAdapter.expand!(doc)).toBe(1);
    const p = zhihuAdapter.extract(doc, new URL('https://www.zhihu.com/question/534567890/answer/2512345678'), ctx)!;
    expect(p.text).toContain('第四，补充');
  });

  it('reads a zhuanlan article: title, author, body, images, shown time resolved in Beijing time', () => {
    const p = run('zhuanlan.zhihu.com', '/p/529876543')!;
    expect(p).toMatchObject({ id: '529876543', title: '郑州烂尾楼业主的六月：一份不完整的记录', author: { name: '城市观察员', id: 'city-observer' } });
    expect(p.publishedAtText).toBe('发布于 2022-06-14 18:30・IP 属地河南');
    expect(p.publishedAt).toBe('2022-06-14T10:30:00.000Z');
    expect(p.text).toContain('理由一栏是空的');
    expect(p.media.map((m) => m.url)).toEqual(['https://pic1.zhimg.com/v2-d4e5f60718293a4b_r.jpg', 'https://pic1.zhimg.com/v2-e5f60718293a4b5c_r.jpg']);
    expect(p.metrics).toEqual({ reposts: null, comments: '64', likes: '892' });
  });

  it('reads a pin that reposts another pin: the original becomes quoted', () => {
    const p = run('www.zhihu.com', '/pin/1521234567890123456')!;
    expect(p).toMatchObject({ id: '1521234567890123456', author: { name: '郑东新区某业主' }, publishedAt: '2022-06-14T12:15:00.000Z' });
    expect(p.text).toBe('转发。我们楼盘群里也有三个人今天红了，都是报名去反映情况的。');
    expect(p.media).toHaveLength(0);
    expect(p.metrics).toEqual({ reposts: '3', comments: '12', likes: '45' });
    expect(p.quoted).toMatchObject({
      id: '1520999999999999999',
      url: 'https://www.zhihu.com/pin/1520999999999999999',
      author: { name: '储户老李', id: 'bank-depositor-li', url: 'https://www.zhihu.com/people/bank-depositor-li' },
    });
    expect(p.quoted!.text).toMatch(/^6月13日，我和同村几位储户/);
    expect(p.quoted!.media.map((m) => m.url)).toEqual(['https://pic2.zhimg.com/v2-f60718293a4b5c6d_r.jpg']);
  });

  it('"该回答已被删除" is deleted, with the answer id from the URL', () => {
    expect(run('www.zhihu.com', '/question/534567890/answer/2519999999')).toMatchObject({ status: 'deleted', id: '2519999999' });
  });

  it('"该内容因违反知乎社区规范已被删除" is removed', () => {
    expect(run('zhuanlan.zhihu.com', '/p/530000001')).toMatchObject({ status: 'removed', id: '530000001' });
  });

  it('with the picker, reads the chosen answer', () => {
    const doc = load('zhihu/www.zhihu.com/question/534567890/answer/2512345678.html');
    const root = doc.querySelector('p[data-pid="a3"]')!;
    const p = zhihuAdapter.extract(doc, new URL('https://www.zhihu.com/question/534567890'), { ...ctx, root })!;
    expect(p.id).toBe('2512345678');
  });

  it('rewrites zhimg sizes to the _r original', () => {
    expect(originalMediaUrl('https://pic3.zhimg.com/80/v2-abc123_720w.jpg?source=1940ef5c')).toBe('https://pic3.zhimg.com/v2-abc123_r.jpg');
    expect(originalMediaUrl('https://pica.zhimg.com/v2-abc123_b.png')).toBe('https://pica.zhimg.com/v2-abc123_r.png');
  });
});
