/**
 * Zhihu: answers (/question/<q>/answer/<a>), zhuanlan articles (zhuanlan.zhihu.com/p/<id>) and
 * pins (想法, /pin/<id>, which can repost another pin). Answers carry their ids in data-zop JSON and
 * schema.org microdata (meta itemprop) next to the rendered text.
 */
import type { Post, PostStatus } from '../bundle/format';
import type { AdapterContext, SiteAdapter } from './types';
import { absUrl, attr, clean, clickExpanders, emptyPost, hostIn, labelIs, metricText, pageText, pushMedia, q, qa, statusFromText, textOf } from './dom';
import { resolveRelativeTime } from './time';

export const ZHIHU_HOSTS = ['zhihu.com', 'www.zhihu.com', 'zhuanlan.zhihu.com'] as const;
export const ZHIHU_POST_SELECTORS = ['.AnswerItem', '.ContentItem', 'article.Post-Main', '.Post-Main', '.PinItem', '.ArticleItem'];

export const ZHIHU_STATUS_NOTICES: ReadonlyArray<readonly [RegExp, PostStatus]> = [
  [/违反知乎社区规范|违反.{0,12}(法律法规|社区规范|相关规定)|已被(知乎)?(管理员|官方)?(删除|屏蔽)并|因.{0,12}违规|已被建议修改|根据相关法律法规/, 'removed'],
  [/该回答已被删除|该文章已被删除|该内容已被(作者)?删除|作者已删除|已被作者删除|该想法已被删除/, 'deleted'],
  [/你似乎来到了没有知识存在的荒原|内容不存在|暂时无法查看|仅自己可见|内容已被隐藏|该账号已(被)?(停用|封禁)/, 'unavailable'],
];

/** zhimg.com pictures: the _r suffix is the uploaded original (_b, _hd, _720w, _xs … are resized). */
export function originalMediaUrl(url: string): string {
  try {
    const u = new URL(url, 'https://www.zhihu.com/');
    if (!/(^|\.)zhimg\.com$/.test(u.hostname)) return u.href;
    u.pathname = u.pathname.replace(/^\/\d+\/(?=v2-)/, '/').replace(/(v2-[0-9a-f]+)(?:_[a-z0-9]+)?\.(jpg|jpeg|png|gif|webp)$/i, '$1_r.$2');
    u.search = '';
    u.protocol = 'https:';
    return u.href;
  } catch {
    return url;
  }
}

function idFromUrl(url: URL): { kind: 'answer' | 'article' | 'pin' | 'question'; id: string } | null {
  let m = /\/answer\/(\d+)/.exec(url.pathname);
  if (m) return { kind: 'answer', id: m[1]! };
  if (url.hostname === 'zhuanlan.zhihu.com' && (m = /^\/p\/(\d+)/.exec(url.pathname))) return { kind: 'article', id: m[1]! };
  if ((m = /^\/pin\/(\d+)/.exec(url.pathname))) return { kind: 'pin', id: m[1]! };
  if ((m = /^\/question\/(\d+)/.exec(url.pathname))) return { kind: 'question', id: m[1]! };
  return null;
}

function zop(el: Element): Record<string, unknown> {
  try {
    const v = JSON.parse(el.getAttribute('data-zop') ?? '{}') as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function own(scope: Element, sel: string, nested: Element | null): Element[] {
  return qa(scope, sel).filter((e) => !nested || !nested.contains(e));
}

function itemMeta(scope: Element, prop: string, nested: Element | null): string | null {
  // Only this item's own meta, not its author's (author is its own itemscope).
  const e = own(scope, `meta[itemprop="${prop}"]`, nested).find((m) => m.parentElement?.closest('[itemscope]') === scope || !scope.hasAttribute('itemscope'));
  return attr(e, 'content');
}

function readAuthor(scope: Element, base: URL, nested: Element | null): Post['author'] {
  const info = own(scope, '.AuthorInfo, .Post-Author, .PinItem-author', nested)[0];
  const name = attr(info?.querySelector('meta[itemprop="name"]'), 'content') ?? clean(info?.querySelector('.AuthorInfo-name, .UserLink-link')?.textContent);
  const href = attr(info?.querySelector('meta[itemprop="url"]'), 'content') ?? attr(info?.querySelector('a.UserLink-link[href], a[href*="/people/"], a[href*="/org/"]'), 'href');
  const url = absUrl(href, base);
  const id = url ? /\/(?:people|org)\/([^/?#]+)/.exec(url)?.[1] ?? null : null;
  return { name: name ?? null, id, url: url ? url.replace(/^http:/, 'https:') : null };
}

function readBody(el: Element | null, p: Post, base: URL): void {
  const noFold = (e: Element): boolean => e.matches('.ContentItem-more, .RichContent-collapsedText, .ContentItem-actions, figcaption, noscript');
  p.text = textOf(el, noFold);
  for (const img of qa(el, 'img')) {
    if (img.closest('noscript')) continue;
    const src = attr(img, 'data-original') ?? attr(img, 'data-actualsrc') ?? attr(img, 'data-default-watermark-src') ?? attr(img, 'src');
    const abs = absUrl(src, base);
    if (abs && /zhimg\.com/.test(abs) && !/\/equation\?|_(xs|is|im)\./.test(abs)) pushMedia(p.media, originalMediaUrl(abs), 'image');
  }
  for (const v of qa(el, 'video')) {
    const src = absUrl(attr(v, 'src') ?? attr(v.querySelector('source'), 'src'), base);
    if (src) pushMedia(p.media, src, 'video');
  }
}

function readTime(scope: Element, nested: Element | null, ctx: AdapterContext, p: Post): void {
  const created = itemMeta(scope, 'dateCreated', nested) ?? itemMeta(scope, 'datePublished', nested);
  const timeEl = own(scope, '.ContentItem-time, .PinItem-time, time', nested)[0];
  // Zhihu shows "编辑于 <date>" with the first publication time in the tooltip "发布于 <date>".
  const tip = attr(timeEl?.querySelector('[data-tooltip]') ?? timeEl, 'data-tooltip');
  const shown = clean(timeEl?.textContent);
  p.publishedAtText = tip && /发布于/.test(tip) ? tip : shown;
  p.publishedAt = created ? resolveRelativeTime(created, ctx.capturedAt, 'Z') : p.publishedAtText ? resolveRelativeTime(p.publishedAtText, ctx.capturedAt) : null;
}

function readMetrics(scope: Element, nested: Element | null, p: Post): void {
  const up = itemMeta(scope, 'upvoteCount', nested) ?? metricText(own(scope, '.VoteButton--up, button[aria-label^="赞同"]', nested)[0]?.textContent);
  const cm = itemMeta(scope, 'commentCount', nested) ?? metricText(own(scope, '.ContentItem-action', nested).find((b) => /评论/.test(b.textContent ?? ''))?.textContent);
  const rp = metricText(own(scope, '.ContentItem-action', nested).find((b) => /转发|分享/.test(b.textContent ?? '') && /\d/.test(b.textContent ?? ''))?.textContent);
  p.metrics = { reposts: rp, comments: cm, likes: up };
}

function readAnswer(scope: Element, url: URL, ctx: AdapterContext): Post {
  const z = zop(scope);
  const p = emptyPost('zhihu', null);
  const metaUrl = itemMeta(scope, 'url', null);
  p.id = z.itemId !== undefined ? String(z.itemId) : attr(scope, 'name') ?? (metaUrl ? idFromUrl(new URL(metaUrl, url))?.id ?? null : null);
  p.url = absUrl(metaUrl, url) ?? (p.id ? `${url.origin}${url.pathname.replace(/\/answer\/\d+.*$/, '')}/answer/${p.id}` : url.href);
  p.author = readAuthor(scope, url, null);
  if (!p.author.name && typeof z.authorName === 'string') p.author.name = z.authorName;
  // An answer's title is its question's.
  p.title = clean(typeof z.title === 'string' ? z.title : null) ?? clean(scope.ownerDocument.querySelector('.QuestionHeader-title')?.textContent);
  readBody(q(scope, ['.RichContent-inner', '.RichText']), p, url);
  readTime(scope, null, ctx, p);
  readMetrics(scope, null, p);
  return p;
}

function readArticle(doc: Document, scope: Element, url: URL, ctx: AdapterContext): Post {
  const p = emptyPost('zhihu', url.href);
  p.id = idFromUrl(url)?.id ?? null;
  p.title = clean(q(scope, ['.Post-Title', 'h1'])?.textContent);
  p.author = readAuthor(scope, url, null);
  readBody(q(scope, ['.Post-RichText', '.Post-RichTextContainer', '.RichText']), p, url);
  readTime(scope, null, ctx, p);
  readMetrics(doc.querySelector('.Post-SideActions, .RichContent-actions, .ContentItem-actions')?.parentElement ?? scope, null, p);
  return p;
}

function readPin(scope: Element, url: URL, ctx: AdapterContext): Post {
  const nested = q(scope, ['.PinItem-content-originpin', '.PinItem-originPin']);
  const p = emptyPost('zhihu', url.href);
  p.id = zop(scope).itemId !== undefined ? String(zop(scope).itemId) : idFromUrl(url)?.id ?? null;
  p.author = readAuthor(scope, url, nested);
  const body = own(scope, '.RichContent-inner, .PinItem-remainContentRichText, .RichText', nested)[0] ?? null;
  const tmp = emptyPost('zhihu', null);
  readBody(body, tmp, url);
  p.text = tmp.text;
  p.media = tmp.media.filter((m) => !nested || !qa(nested, 'img').some((i) => originalMediaUrl(absUrl(attr(i, 'data-original') ?? attr(i, 'src'), url) ?? '') === m.url));
  readTime(scope, nested, ctx, p);
  readMetrics(scope, nested, p);
  if (nested) {
    const o = emptyPost('zhihu', null);
    const link = nested.querySelector('a[href*="/pin/"]');
    o.url = absUrl(attr(link, 'href'), url);
    o.id = o.url ? idFromUrl(new URL(o.url))?.id ?? null : null;
    const who = nested.querySelector('a.UserLink-link, a[href*="/people/"]');
    o.author.name = clean(who?.textContent)?.replace(/^@/, '') ?? null;
    o.author.url = absUrl(attr(who, 'href'), url)?.replace(/^http:/, 'https:') ?? null;
    o.author.id = o.author.url ? /\/people\/([^/?#]+)/.exec(o.author.url)?.[1] ?? null : null;
    readBody(nested, o, url);
    o.text = textOf(nested.querySelector('.RichText, .PinItem-remainContentRichText') ?? nested, (e) => e.matches('a.PinItem-originLink'));
    if (o.text && o.author.name) o.text = o.text.replace(new RegExp(`^@?${o.author.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*[:：]\\s*`), '');
    const notice = statusFromText(textOf(nested), ZHIHU_STATUS_NOTICES);
    if (notice && !o.author.name) o.status = notice;
    p.quoted = o;
  }
  return p;
}

export const zhihuAdapter: SiteAdapter = {
  platform: 'zhihu',
  matches: (url) => hostIn(url, ZHIHU_HOSTS),
  async expand(doc, root) {
    const scope = root?.closest(ZHIHU_POST_SELECTORS.join(', ')) ?? root ?? doc.body ?? doc.documentElement;
    return clickExpanders(scope, (e) => e.matches('.ContentItem-more, .ContentItem-expandButton') || labelIs(e, /^(展开阅读全文|阅读全文|展开全文)\s*[∨⌄]?$/));
  },
  extract(doc, url, ctx) {
    const which = idFromUrl(url);
    const near = ctx.root?.closest(ZHIHU_POST_SELECTORS.join(', ')) ?? null;
    if (near?.matches('.PinItem')) return readPin(near, url, ctx);
    if (near?.matches('.AnswerItem, .ContentItem')) return readAnswer(near, url, ctx);
    if (near) return readArticle(doc, near, url, ctx);
    if (which?.kind === 'article') {
      const art = q(doc, ['article.Post-Main', '.Post-Main', '.Post-content']);
      if (art && q(art, ['.Post-RichText', '.Post-Title'])) return readArticle(doc, art, url, ctx);
    } else if (which?.kind === 'pin') {
      const pin = q(doc, ['.PinItem']);
      if (pin) return readPin(pin, url, ctx);
    } else {
      const items = qa(doc, '.AnswerItem');
      const idOf = (a: Element): string | null => (zop(a).itemId !== undefined ? String(zop(a).itemId) : attr(a, 'name'));
      // On /answer/<id>, other answers on the page are not the one asked for (it may be deleted).
      const answer = which?.kind === 'answer' ? items.find((a) => idOf(a) === which.id) ?? items.find((a) => idOf(a) === null) : items[0];
      if (answer) return readAnswer(answer, url, ctx);
    }
    const status = statusFromText(pageText(doc), ZHIHU_STATUS_NOTICES);
    if (!status) return null;
    const p = emptyPost('zhihu', url.href);
    p.id = which?.kind === 'question' ? null : which?.id ?? null;
    p.status = status;
    p.text = clean(pageText(doc).split('\n').find((l) => statusFromText(l, ZHIHU_STATUS_NOTICES)));
    return p;
  },
};
