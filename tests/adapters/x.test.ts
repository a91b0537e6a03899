import { describe, expect, it } from 'vitest';
import { originalMediaUrl, xAdapter } from '../../src/adapters/x';
import { CAPTURED_AT, html, load } from './helpers';

const ctx = { capturedAt: CAPTURED_AT };
const run = (path: string) => xAdapter.extract(load(`x/x.com/${path}.html`), new URL(`https://x.com/${path}`), ctx);

describe('x adapter', () => {
  it('reads the focal post of a status page, not the replies under it', () => {
    const p = run('henan_watch/status/1536587654321098752')!;
    expect(p).toMatchObject({
      platform: 'x',
      id: '1536587654321098752',
      url: 'https://x.com/henan_watch/status/1536587654321098752',
      author: { name: '河南观察', id: 'henan_watch', url: 'https://x.com/henan_watch' },
      publishedAt: '2022-06-14T03:12:45.000Z',
      publishedAtText: '11:12 AM · Jun 14, 2022',
      status: 'available',
      quoted: null,
    });
    expect(p.text).toContain('健康码在6月13日前后被无故变红');
    expect(p.text).not.toContain('Show more');
    expect(p.text).not.toContain('我家亲戚');
    expect(p.media.map((m) => m.url)).toEqual([
      'https://pbs.twimg.com/media/FVcRedCodeA1?format=jpg&name=orig',
      'https://pbs.twimg.com/media/FVcRedCodeA2?format=jpg&name=orig',
      'https://pbs.twimg.com/media/FVcRedCodeA3?format=png&name=orig',
      'https://pbs.twimg.com/media/FVcRedCodeA4?format=jpg&name=orig',
    ]);
    expect(p.metrics).toEqual({ reposts: '1,208', comments: '39', likes: '3.4K' });
  });

  it('clicks "Show more" and reads the longer text', async () => {
    const doc = load('x/x.com/henan_watch/status/1536587654321098752.html');
    const more = doc.querySelector('[data-testid="tweet-text-show-more-link"]')!;
    more.addEventListener('click', () => {
      doc.querySelector('[data-testid="tweetText"]')!.insertAdjacentHTML('beforeend', '<span>其余内容：有人被带到隔离酒店，次日码又变绿。</span>');
      more.remove();
    });
    expect(await xAdapter.expand!(doc)).toBe(1);
    expect(xAdapter.extract(doc, new URL('https://x.com/henan_watch/status/1536587654321098752'), ctx)!.text).toContain('次日码又变绿');
  });

  it('reads a quote post: the nested post becomes quoted; a blob: video keeps its poster', () => {
    const p = run('rights_desk/status/1536901234567890123')!;
    expect(p.author).toEqual({ name: 'Rights Desk', id: 'rights_desk', url: 'https://x.com/rights_desk' });
    expect(p.id).toBe('1536901234567890123');
    expect(p.publishedAt).toBe('2022-06-15T01:05:00.000Z');
    expect(p.text).toMatch(/^Depositors of four rural banks/);
    expect(p.text).not.toContain('郑州');
    expect(p.media).toEqual([
      { url: 'https://pbs.twimg.com/ext_tw_video_thumb/1536900000000000000/pu/img/RdVid0Thumb1?format=jpg&name=orig', type: 'image', path: null, sha256: null },
    ]);
    expect(p.metrics).toEqual({ reposts: '77', comments: '4', likes: '150' });
    const q = p.quoted!;
    expect(q.author).toEqual({ name: '河南观察', id: 'henan_watch', url: 'https://x.com/henan_watch' });
    expect(q.publishedAt).toBe('2022-06-14T03:12:45.000Z');
    expect(q.text).toContain('有人刚下火车');
    expect(q.media.map((m) => m.url)).toEqual(['https://pbs.twimg.com/media/FVcRedCodeA1?format=jpg&name=orig']);
  });

  it('keeps a direct mp4 as video', () => {
    const doc = html(`<article data-testid="tweet"><div data-testid="User-Name"><span>A</span><span>@a</span></div>
      <div data-testid="tweetText">clip</div><video poster="https://pbs.twimg.com/x.jpg" src="https://video.twimg.com/ext_tw_video/1/pu/vid/720x1280/a.mp4"></video>
      <a href="/a/status/9"><time datetime="2022-06-13T00:00:00.000Z">Jun 13</time></a></article>`);
    const p = xAdapter.extract(doc, new URL('https://twitter.com/a/status/9'), ctx)!;
    expect(p.media).toEqual([{ url: 'https://video.twimg.com/ext_tw_video/1/pu/vid/720x1280/a.mp4', type: 'video', path: null, sha256: null }]);
  });

  it('"deleted by the Post author" is deleted', () => {
    const p = run('henan_watch/status/1536000000000000001')!;
    expect(p).toMatchObject({ status: 'deleted', id: '1536000000000000001', author: { id: 'henan_watch' } });
  });

  it('"violated the X Rules" is removed', () => {
    expect(run('henan_watch/status/1536000000000000002')!.status).toBe('removed');
  });

  it('"this page doesn\'t exist" and "This post is unavailable" are unavailable', () => {
    for (const notice of ["Hmm...this page doesn't exist. Try searching for something else.", 'This post is unavailable.']) {
      const doc = html(`<div data-testid="primaryColumn"><div data-testid="error-detail"><span>${notice}</span></div></div>`);
      expect(xAdapter.extract(doc, new URL('https://x.com/a/status/1'), ctx)!.status).toBe('unavailable');
    }
  });

  it('rewrites image sizes to name=orig, including the old :large form', () => {
    expect(originalMediaUrl('https://pbs.twimg.com/media/FVabc?format=jpg&name=small')).toBe('https://pbs.twimg.com/media/FVabc?format=jpg&name=orig');
    expect(originalMediaUrl('https://pbs.twimg.com/media/FVabc.png:large')).toBe('https://pbs.twimg.com/media/FVabc?format=png&name=orig');
    expect(originalMediaUrl('https://pbs.twimg.com/profile_images/1/a_normal.jpg')).toBe('https://pbs.twimg.com/profile_images/1/a_normal.jpg');
  });
});
