import { describe, expect, it } from 'vitest';
import { originalMediaUrl, weiboAdapter } from '../../src/adapters/weibo';
import { CAPTURED_AT, html, load } from './helpers';

const ctx = { capturedAt: CAPTURED_AT };
const run = (file: string, url: string) => weiboAdapter.extract(load(file), new URL(url), ctx);

describe('weibo adapter', () => {
  it('reads a desktop post: author, time, text, three images at /large/, counters', () => {
    const p = run('weibo/weibo.com/2803301701/Lx7Kp2aBc.html', 'https://weibo.com/2803301701/Lx7Kp2aBc')!;
    expect(p).toMatchObject({ platform: 'weibo', id: 'Lx7Kp2aBc', status: 'available', quoted: null });
    expect(p.author).toEqual({ name: '郑州业主互助', id: '2803301701', url: 'https://weibo.com/u/2803301701' });
    expect(p.publishedAtText).toBe('22-6-14 09:35');
    expect(p.publishedAt).toBe('2022-06-14T01:35:00.000Z');
    expect(p.text).toContain('健康码突然变红');
    expect(p.text).not.toMatch(/展开$/);
    expect(p.media.map((m) => m.url)).toEqual([
      'https://wx1.sinaimg.cn/large/003Kcuvlly1h39hncode01.jpg',
      'https://wx2.sinaimg.cn/large/003Kcuvlly1h39hncode02.jpg',
      'https://wx3.sinaimg.cn/large/003Kcuvlly1h39hncode03.jpg',
    ]);
    expect(p.media.every((m) => m.type === 'image' && m.path === null && m.sha256 === null)).toBe(true);
    expect(p.metrics).toEqual({ reposts: '1352', comments: '486', likes: '2.1万' });
  });

  it('expands the "展开" fold in the live page and then reads the full text', async () => {
    const doc = load('weibo/weibo.com/2803301701/Lx7Kp2aBc.html');
    const fold = doc.querySelector('.expand')!;
    // Stand-in for the page's own script, which fetches the long text when the fold is clicked.
    fold.addEventListener('click', () => {
      const text = fold.parentElement!;
      fold.remove();
      text.innerHTML += '<br>完整记录：七位业主的红码都在6月13日晚上出现。<span class="expand">收起</span>';
    });
    expect(await weiboAdapter.expand!(doc)).toBe(1);
    const p = weiboAdapter.extract(doc, new URL('https://weibo.com/2803301701/Lx7Kp2aBc'), ctx)!;
    expect(p.text).toContain('七位业主的红码都在6月13日晚上出现');
    expect(p.text).not.toContain('收起');
  });

  it('reads a repost: the nested card becomes quoted, with its own author, id and images', () => {
    const p = run('weibo/weibo.com/6012345678/Lx8RtQ1Zz.html', 'https://weibo.com/6012345678/Lx8RtQ1Zz')!;
    expect(p.author.name).toBe('中原储户观察');
    expect(p.text).toBe('转发留存。储户取不出自己的存款，想去郑州当面问，结果码先红了。[悲伤]');
    expect(p.media).toHaveLength(0);
    // "昨天 11:02" resolved against the capture time (15 June, Beijing).
    expect(p.publishedAt).toBe('2022-06-14T03:02:00.000Z');
    expect(p.metrics).toEqual({ reposts: '88', comments: null, likes: '305' });
    const q = p.quoted!;
    expect(q).toMatchObject({ platform: 'weibo', id: 'Lx6AbCdEf', url: 'https://weibo.com/7012345678/Lx6AbCdEf', status: 'available' });
    expect(q.author.name).toBe('禹州储户之声');
    expect(q.text).toMatch(/^6月13日：我们四个村镇银行的储户/);
    expect(q.publishedAt).toBe('2022-06-13T13:04:00.000Z');
    expect(q.media.map((m) => m.url)).toEqual([
      'https://wx4.sinaimg.cn/large/008Yzhsly1h38depos01.jpg',
      'https://wx4.sinaimg.cn/large/008Yzhsly1h38depos02.jpg',
    ]);
  });

  it('reads the mobile rendering from $render_data, with retweeted_status as quoted', () => {
    const p = run('weibo/m.weibo.cn/detail/4781234567890123.html', 'https://m.weibo.cn/detail/4781234567890123')!;
    expect(p).toMatchObject({ id: '4781234567890123', status: 'available' });
    expect(p.author).toEqual({ name: '豫东一位业主', id: '3301234567', url: 'https://weibo.com/u/3301234567' });
    expect(p.publishedAt).toBe('2022-06-14T00:12:40.000Z');
    // The data holds only the folded start ("全文"); the rendered DOM has the whole text.
    expect(p.text).toContain('第三，如果被带去隔离');
    expect(p.metrics).toEqual({ reposts: '412', comments: '97', likes: '1033' });
    expect(p.quoted).toMatchObject({ id: 'LxAoRiGin', url: 'https://weibo.com/7012345678/LxAoRiGin' });
    expect(p.quoted!.author.name).toBe('禹州储户之声');
    expect(p.quoted!.media.map((m) => m.url)).toHaveLength(3);
    expect(p.quoted!.media[0]!.url).toBe('https://wx1.sinaimg.cn/large/008Yzhsly1h38mob01.jpg');
  });

  it('reads the mobile DOM alone when the data script is absent (picker on a feed card)', () => {
    const doc = load('weibo/m.weibo.cn/detail/4781234567890123.html');
    const root = doc.querySelector('.weibo-og .weibo-text')!;
    const p = weiboAdapter.extract(doc, new URL('https://m.weibo.cn/detail/4781234567890123'), { ...ctx, root })!;
    expect(p.author.name).toBe('豫东一位业主');
    expect(p.publishedAtText).toBe('6-14');
    expect(p.publishedAt).toBe('2022-06-14');
    expect(p.quoted!.author.name).toBe('禹州储户之声');
    expect(p.quoted!.media).toHaveLength(3);
    expect(p.media).toHaveLength(0);
    expect(p.metrics).toEqual({ reposts: '412', comments: '97', likes: '1033' });
  });

  it('records a deletion notice as status deleted, with the id from the URL', () => {
    const p = run('weibo/weibo.com/2803301701/Lx9DelXyz.html', 'https://weibo.com/2803301701/Lx9DelXyz')!;
    expect(p).toMatchObject({ status: 'deleted', id: 'Lx9DelXyz', url: 'https://weibo.com/2803301701/Lx9DelXyz' });
    expect(p.text).toContain('此微博已被作者删除');
  });

  it('records a platform removal as status removed', () => {
    const p = run('weibo/weibo.com/5123456789/LxARmvAbc.html', 'https://weibo.com/5123456789/LxARmvAbc')!;
    expect(p.status).toBe('removed');
  });

  it('tells "only fans can see" apart as unavailable', () => {
    const doc = html('<div class="Empty_wrap_1yZ2k"><p>根据博主设置，此微博仅粉丝可见。</p></div>');
    expect(weiboAdapter.extract(doc, new URL('https://weibo.com/1/AbCdEfGh1'), ctx)!.status).toBe('unavailable');
  });

  it('finds nothing on a page that is neither a post nor a notice', () => {
    expect(weiboAdapter.extract(html('<div>热搜榜</div>'), new URL('https://weibo.com/hot/search'), ctx)).toBeNull();
  });

  it('rewrites thumbnail sizes to /large/', () => {
    for (const size of ['thumb150', 'orj360', 'mw690', 'bmiddle', 'mw2000', 'orj1080'])
      expect(originalMediaUrl(`http://wx1.sinaimg.cn/${size}/abc.jpg`)).toBe('https://wx1.sinaimg.cn/large/abc.jpg');
    expect(originalMediaUrl('https://example.com/orj360/abc.jpg')).toBe('https://example.com/orj360/abc.jpg');
  });
});
