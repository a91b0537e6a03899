/**
 * Toutiao: articles (/article/<id>/, the older /a<id>/ and /i<id>/, m.toutiao.com) and 微头条
 * short posts (/w/<id>/, which can repost another post).
 */
import type { Post, PostStatus } from '../bundle/format';
import type { AdapterContext, SiteAdapter } from './types';
import { absUrl, attr, clean, clickExpanders, emptyPost, hostIn, labelIs, metricText, pageText, pushMedia, q, qa, statusFromText, textOf } from './dom';
import { resolveRelativeTime } from './time';

export const TOUTIAO_HOSTS = ['toutiao.com', 'www.toutiao.com', 'm.toutiao.com'] as const;
export const TOUTIAO_POST_SELECTORS = ['.article-content', '.weitoutiao-detail', '.wtt-detail', '.feed-card-article', '.main-content'];

export const TOUTIAO_STATUS_NOTICES: ReadonlyArray<readonly [RegExp, PostStatus]> = [
  [/违反.{0,12}(规定|规范|法律法规)|因违规|已被(平台)?(下架|屏蔽)|涉嫌违规|审核未通过/, 'removed'],
  [/文章已删除|文章已被删除|内容已删除|内容已被(作者)?删除|作者已删除|该微头条已被删除/, 'deleted'],
  [/(文章|内容)不存在|暂时无法查看|无法查看|仅作者可见|页面不存在|404/, 'unavailable'],
];

/**
 * toutiaoimg / byteimg pictures: unsigned URLs with a resize template (~tplv-…:640:0.image) are
 * turned into the no-op template, i.e. the stored original. Signed URLs (x-signature) are kept: any
 * change would void the signature.
 */
export function originalMediaUrl(url: string): string {
  try {
    const u = new URL(url, 'https://www.toutiao.com/');
    u.protocol = 'https:';
    if (!/(toutiaoimg\.com|byteimg\.com|pstatp\.com)$/.test(u.hostname) || u.searchParams.has('x-signature')) return u.href;
    u.pathname = u.pathname.replace(/~(tplv-[^/]+|\d+x\d+)\.(image|jpeg|jpg|png|webp)$/, '~noop.image');
    return u.href;
  } catch {
    return url;
  }
}

function idFromUrl(url: URL): string | null {
  return /^\/(?:article|w|group|video)\/(\d+)/.exec(url.pathname)?.[1] ?? /^\/(?:a|i|item\/)(\d{8,})/.exec(url.pathname)?.[1] ?? null;
}

function author(scope: ParentNode, base: URL): Post['author'] {
  const a = q(scope, ['.article-meta .name a', '.article-meta a[href*="/c/user/"]', '.author-info a[href*="/c/user/"]', '.user-name a', 'a.user-name', 'a[href*="/c/user/token/"]']);
  const href = absUrl(attr(a, 'href'), base);
  const id = href ? /\/c\/user\/(?:token\/)?([^/?#]+)/.exec(href)?.[1] ?? null : null;
  return { name: clean(a?.textContent), id, url: href };
}

function images(el: Element | null, p: Post, base: URL, skip?: Element | null): void {
  for (const img of qa(el, 'img')) {
    if (skip?.contains(img) || img.closest('.author-info, .user-avatar, .avatar')) continue;
    const src = absUrl(attr(img, 'data-src') ?? attr(img, 'src'), base);
    if (src && /(toutiaoimg|byteimg|pstatp)\.com/.test(src)) pushMedia(p.media, originalMediaUrl(src), 'image');
  }
  for (const v of qa(el, 'video')) {
    if (skip?.contains(v)) continue;
    const src = absUrl(attr(v, 'src') ?? attr(v.querySelector('source'), 'src'), base);
    if (src) pushMedia(p.media, src, 'video');
  }
}

function metrics(doc: Document, p: Post): void {
  const n = (sel: string): string | null => metricText(doc.querySelector(sel)?.textContent);
  p.metrics = {
    likes: n('.detail-like, .detail-interaction-like, [data-e2e="like"]'),
    comments: n('.detail-interaction-comment, .detail-comment, [data-e2e="comment"]'),
    reposts: n('.detail-interaction-forward, .detail-repost, [data-e2e="forward"]'),
  };
}

function readArticle(doc: Document, scope: Element, url: URL, ctx: AdapterContext): Post {
  const p = emptyPost('toutiao', url.href);
  p.id = idFromUrl(url);
  p.title = clean(scope.querySelector('h1')?.textContent);
  p.author = author(scope, url);
  const meta = scope.querySelector('.article-meta');
  const timeText = qa(meta, 'span').map((s) => clean(s.textContent)).find((t) => t && /\d{1,2}:\d{2}|\d{4}-\d{2}-\d{2}|前$|昨天|今天/.test(t)) ?? null;
  p.publishedAtText = timeText;
  p.publishedAt = timeText ? resolveRelativeTime(timeText, ctx.capturedAt) : null;
  const body = q(scope, ['article', '.article-body', '.tt-article-content', '.syl-article-base']);
  p.text = textOf(body);
  images(body, p, url);
  metrics(doc, p);
  return p;
}

function readShort(doc: Document, scope: Element, url: URL, ctx: AdapterContext): Post {
  const p = emptyPost('toutiao', url.href);
  p.id = idFromUrl(url);
  const origin = q(scope, ['.weitoutiao-origin', '.wtt-origin', '.repost-origin']);
  p.author = author(qa(scope, '.author-info, .user-info').find((e) => !origin?.contains(e)) ?? scope, url);
  const textEl = qa(scope, '.weitoutiao-html, .wtt-content').find((e) => !origin?.contains(e)) ?? null;
  p.text = textOf(textEl, (e) => labelIs(e, /^(展开|全文|收起)$/));
  const time = qa(scope, '.time, .publish-time, .wtt-time').find((e) => !origin?.contains(e));
  p.publishedAtText = clean(time?.textContent);
  p.publishedAt = p.publishedAtText ? resolveRelativeTime(p.publishedAtText, ctx.capturedAt) : null;
  images(scope, p, url, origin);
  metrics(doc, p);
  if (origin) {
    const o = emptyPost('toutiao', null);
    o.author = author(origin, url);
    const link = origin.querySelector('a[href*="/article/"], a[href*="/w/"], a[href*="/group/"]');
    o.url = absUrl(attr(link, 'href'), url);
    o.id = o.url ? idFromUrl(new URL(o.url)) : null;
    o.title = clean(origin.querySelector('.origin-title, h2, h3')?.textContent);
    o.text = textOf(origin.querySelector('.weitoutiao-html, .wtt-content, .origin-abstract'));
    images(origin, o, url);
    const notice = statusFromText(textOf(origin), TOUTIAO_STATUS_NOTICES);
    if (notice && !o.author.name) o.status = notice;
    p.quoted = o;
  }
  return p;
}

export const toutiaoAdapter: SiteAdapter = {
  platform: 'toutiao',
  matches: (url) => hostIn(url, TOUTIAO_HOSTS),
  async expand(doc, root) {
    const scope = root ?? doc.body ?? doc.documentElement;
    return clickExpanders(scope, (e) => labelIs(e, /^(展开全文|展开|阅读全文|全文)\s*[∨⌄]?$/));
  },
  extract(doc, url, ctx) {
    const near = ctx.root?.closest(TOUTIAO_POST_SELECTORS.join(', ')) ?? null;
    const scope = near ?? (ctx.root ? ctx.root : q(doc, TOUTIAO_POST_SELECTORS));
    if (scope?.matches('.weitoutiao-detail, .wtt-detail')) return readShort(doc, scope, url, ctx);
    if (scope && q(scope, ['h1', 'article'])) return readArticle(doc, scope, url, ctx);
    const status = statusFromText(pageText(doc), TOUTIAO_STATUS_NOTICES);
    if (!status) return null;
    const p = emptyPost('toutiao', url.href);
    p.id = idFromUrl(url);
    p.status = status;
    p.text = clean(pageText(doc).split('\n').find((l) => statusFromText(l, TOUTIAO_STATUS_NOTICES)));
    return p;
  },
};
