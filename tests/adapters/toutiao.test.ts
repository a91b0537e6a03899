import { describe, expect, it } from 'vitest';
import { originalMediaUrl, toutiaoAdapter } from '../../src/adapters/toutiao';
import { CAPTURED_AT, load } from './helpers';

const ctx = { capturedAt: CAPTURED_AT };
const run = (path: string) => toutiaoAdapter.extract(load(`toutiao/www.toutiao.com${path}index.html`), new URL(`https://www.toutiao.com${path}`), ctx);

describe('toutiao adapter', () => {
  it('reads an article: title, author, time, body, three images (signed URLs kept as they are)', () => {
    const p = run('/article/7109456789012345678/')!;
    expect(p).toMatchObject({
      platform: 'toutiao',
      id: '7109456789012345678',
      title: '多地储户反映健康码异常：赴郑前后被赋红码',
      author: { name: '中原观察站', id: 'MS4wLjABAAAAzhOnGyUaNgGuAnChA03', url: 'https://www.toutiao.com/c/user/token/MS4wLjABAAAAzhOnGyUaNgGuAnChA03/' },
      publishedAtText: '2022-06-14 16:20',
      publishedAt: '2022-06-14T08:20:00.000Z',
      status: 'available',
    });
    expect(p.text).toMatch(/^近日，多名河南村镇银行储户/);
    expect(p.text).toContain('截至发稿未获回复');
    expect(p.media.map((m) => m.url)).toEqual([
      'https://p3-sign.toutiaoimg.com/tos-cn-i-qvj2lq49k0/aRtImg01~noop.image?_iz=58558&from=article.pc_detail&x-expires=1656000000&x-signature=AbCdEf0123%3D',
      'https://p26-tt.byteimg.com/img/tos-cn-i-qvj2lq49k0/aRtImg02~noop.image',
      'https://p26-tt.byteimg.com/img/tos-cn-i-qvj2lq49k0/aRtImg03~noop.image',
    ]);
    expect(p.metrics).toEqual({ likes: '1203', comments: '356', reposts: null });
  });

  it('reads a 微头条 repost: its own text and images, the article it reposts as quoted', () => {
    const p = run('/w/1735678901234567/')!;
    expect(p).toMatchObject({ id: '1735678901234567', author: { name: '豫东老刘' }, publishedAt: '2022-06-14T14:05:00.000Z' });
    expect(p.text).toBe('我们小区也有人出门前码就红了。大家把截图都留好，时间要看得清。');
    expect(p.media).toHaveLength(2);
    expect(p.metrics).toEqual({ likes: '66', comments: '9', reposts: '4' });
    expect(p.quoted).toMatchObject({
      id: '7109456789012345678',
      title: '多地储户反映健康码异常：赴郑前后被赋红码',
      author: { name: '中原观察站' },
      status: 'available',
    });
  });

  it('clicks "展开" on a folded 微头条', async () => {
    const doc = load('toutiao/www.toutiao.com/w/1735678901234567/index.html');
    const more = doc.querySelector('.expand-btn')!;
    more.addEventListener('click', () => {
      more.insertAdjacentHTML('beforebegin', '另外，12345的回复是“已转交相关部门”。');
      more.remove();
    });
    expect(await toutiaoAdapter.expand!(doc)).toBe(1);
    expect(toutiaoAdapter.extract(doc, new URL('https://www.toutiao.com/w/1735678901234567/'), ctx)!.text).toContain('已转交相关部门');
  });

  it('"文章已删除" is deleted', () => {
    expect(run('/article/7109000000000000009/')).toMatchObject({ status: 'deleted', id: '7109000000000000009' });
  });

  it('old /a<id>/ and m.toutiao.com /i<id>/ URLs give the id', () => {
    const doc = load('toutiao/www.toutiao.com/article/7109456789012345678/index.html');
    expect(toutiaoAdapter.extract(doc, new URL('https://www.toutiao.com/a7109456789012345678/'), ctx)!.id).toBe('7109456789012345678');
    expect(toutiaoAdapter.extract(doc, new URL('https://m.toutiao.com/i7109456789012345678/'), ctx)!.id).toBe('7109456789012345678');
  });

  it('leaves signed image URLs alone and un-resizes unsigned ones', () => {
    const signed = 'https://p3-sign.toutiaoimg.com/a/b~tplv-tt-shrink:640:0.image?x-expires=1&x-signature=abc';
    expect(originalMediaUrl(signed)).toBe(signed);
    expect(originalMediaUrl('http://p1-tt.byteimg.com/img/a/b~tplv-tt-cs0:640:0.jpeg')).toBe('https://p1-tt.byteimg.com/img/a/b~noop.image');
  });
});
