import { describe, expect, it } from 'vitest';
import { extractGeneric, readJsonLdObjects } from '../../src/adapters/generic';
import { CAPTURED_AT, html } from './helpers';

const ctx = { capturedAt: CAPTURED_AT };
const url = new URL('https://forum.example/t/42');

describe('generic adapter', () => {
  it('reads a SocialMediaPosting from JSON-LD, inside @graph, with counts and the shared post', () => {
    const doc = html(`<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage","name":"x"},
      {"@type":"SocialMediaPosting","identifier":"42","url":"https://forum.example/t/42","articleBody":"  我的码在 6月13日 变红了  ",
       "author":{"@type":"Person","name":"储户甲","url":"https://forum.example/u/a","identifier":"a"},"datePublished":"2022-06-13T20:00:00+08:00",
       "image":[{"@type":"ImageObject","url":"https://forum.example/i/1.jpg"},"https://forum.example/i/2.jpg"],
       "interactionStatistic":[{"@type":"InteractionCounter","interactionType":"https://schema.org/LikeAction","userInteractionCount":17},
         {"@type":"InteractionCounter","interactionType":"https://schema.org/CommentAction","userInteractionCount":3}],
       "sharedContent":{"@type":"SocialMediaPosting","author":{"name":"储户乙"},"text":"原帖"}}]}</script>`);
    const p = extractGeneric(doc, url, ctx)!;
    expect(p).toMatchObject({
      platform: 'generic', id: '42', text: '我的码在 6月13日 变红了', publishedAt: '2022-06-13T12:00:00.000Z',
      author: { name: '储户甲', url: 'https://forum.example/u/a', id: 'a' },
      metrics: { likes: '17', comments: '3', reposts: null },
      quoted: { author: { name: '储户乙' }, text: '原帖' },
    });
    expect(p.media.map((m) => m.url)).toEqual(['https://forum.example/i/1.jpg', 'https://forum.example/i/2.jpg']);
  });

  it('reads microdata (DiscussionForumPosting) when there is no JSON-LD', () => {
    const doc = html(`<div itemscope itemtype="https://schema.org/DiscussionForumPosting">
      <h1 itemprop="headline">码为什么变红</h1>
      <div itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">业主丙</span><a itemprop="url" href="/u/c">c</a></div>
      <time itemprop="datePublished" datetime="2022-06-14T01:00:00Z">6月14日</time>
      <div itemprop="text"><p>第一段</p><p>第二段</p></div><img itemprop="image" src="/i/3.png"></div>`);
    const p = extractGeneric(doc, url, ctx)!;
    expect(p).toMatchObject({ title: '码为什么变红', text: '第一段\n第二段', publishedAt: '2022-06-14T01:00:00.000Z', author: { name: '业主丙', url: 'https://forum.example/u/c' } });
    expect(p.media.map((m) => m.url)).toEqual(['https://forum.example/i/3.png']);
  });

  it('reads OpenGraph article fields as a last resort', () => {
    const doc = html('');
    doc.head.innerHTML = `<meta property="og:type" content="article"><meta property="og:title" content="红码事件时间线">
      <meta property="og:description" content="摘要"><meta property="og:image" content="https://cdn.example/cover.jpg">
      <meta property="article:published_time" content="2022-06-14T09:00:00+08:00"><meta name="author" content="记者丁">`;
    expect(extractGeneric(doc, url, ctx)).toMatchObject({
      title: '红码事件时间线', text: '摘要', publishedAt: '2022-06-14T01:00:00.000Z', author: { name: '记者丁' },
      media: [{ url: 'https://cdn.example/cover.jpg', type: 'image', path: null, sha256: null }],
    });
  });

  it('finds nothing on a page that describes no post, and survives broken JSON-LD', () => {
    const doc = html('<script type="application/ld+json">{broken</script><p>hello</p>');
    expect(readJsonLdObjects(doc)).toEqual([]);
    expect(extractGeneric(doc, url, ctx)).toBeNull();
  });
});
