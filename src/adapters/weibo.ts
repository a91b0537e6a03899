/**
 * Weibo: desktop detail pages on weibo.com (the current "wbpro" Vue rendering and the classic
 * WB_detail one) and the mobile rendering on m.weibo.cn, whose detail pages also carry the status
 * as data in `var $render_data = [...]` (read as text, never executed).
 */
import type { Post, PostStatus } from '../bundle/format';
import type { AdapterContext, SiteAdapter } from './types';
import {
  absUrl, attr, clean, clickExpanders, emptyPost, hostIn, htmlToText, labelIs, metricText, pageText, pushMedia, q, qa,
  scriptJson, statusFromText, textOf,
} from './dom';
import { resolveRelativeTime } from './time';

export const WEIBO_HOSTS = ['weibo.com', 'www.weibo.com', 'm.weibo.cn', 'weibo.cn'] as const;

/** Post containers, most specific first; also used by the picker to snap to a whole post. */
export const WEIBO_POST_SELECTORS = [
  'article.woo-panel-main', '.wbpro-feed-content', '.weibo-main', '.card-wrap', '.WB_detail', '.WB_cardwrap', 'div[mid]',
];

/**
 * Status notices. Order matters: the removal notices also contain "已被删除", so they come first.
 */
export const WEIBO_STATUS_NOTICES: ReadonlyArray<readonly [RegExp, PostStatus]> = [
  [/因被多人投诉|微博社区公约|由于版权问题|根据相关法律法规|违反.{0,12}(法律法规|规定|公约)|已被(微博)?管理员删除|涉嫌违规/, 'removed'],
  [/已被作者删除|作者已删除|此微博已被删除|该微博已被删除|原微博已删除/, 'deleted'],
  [/根据博主设置|暂不可见|仅粉丝可见|仅好友可见|仅自己可见|无法查看|微博不存在|暂无查看权限|该账号(已被)?封禁/, 'unavailable'],
];

const SIZE_SEGMENT = /^\/(thumb\d+|thumbnail|orj\d+|mw\d+|nmw\d+|bmiddle|small|square|wap\d+|large|original|woriginal|crop\.[^/]+|orj\d+\/\w+)\//;

/** sinaimg.cn thumbnails (/thumb150/, /orj360/, /mw690/, /bmiddle/ …) → the /large/ original. */
export function originalMediaUrl(url: string): string {
  try {
    const u = new URL(url, 'https://weibo.com/');
    if (!/(^|\.)sinaimg\.cn$/.test(u.hostname)) return u.href;
    u.pathname = u.pathname.replace(SIZE_SEGMENT, '/large/');
    u.protocol = 'https:';
    return u.href;
  } catch {
    return url;
  }
}

function idFromUrl(url: URL): string | null {
  const parts = url.pathname.split('/').filter(Boolean);
  if (url.hostname.endsWith('weibo.cn')) {
    // m.weibo.cn/detail/<mid>, /status/<mid or bid>, /<uid>/<mid>
    if ((parts[0] === 'detail' || parts[0] === 'status') && parts[1]) return parts[1];
    if (parts.length === 2 && /^\d+$/.test(parts[0]!)) return parts[1]!;
    return null;
  }
  // weibo.com/<uid>/<bid>, weibo.com/detail/<mid>
  if (parts[0] === 'detail' && parts[1]) return parts[1];
  if (parts.length >= 2 && /^\d+$/.test(parts[0]!) && /^[A-Za-z0-9]{6,20}$/.test(parts[1]!)) return parts[1]!;
  return null;
}

function authorIdFromHref(href: string | null): string | null {
  if (!href) return null;
  const m = /\/(?:u|profile)\/(\d+)|^\/?(\d{5,})(?:[/?#]|$)|weibo\.com\/(\d{5,})(?:[/?#]|$)/.exec(href);
  return m ? (m[1] ?? m[2] ?? m[3] ?? null) : null;
}

// ---------- m.weibo.cn $render_data ----------

interface WbUser {
  id?: number | string;
  screen_name?: string;
  profile_url?: string;
}
interface WbStatus {
  id?: string | number;
  mid?: string;
  bid?: string;
  text?: string;
  created_at?: string;
  deleted?: string | number;
  user?: WbUser | null;
  reposts_count?: number | string;
  comments_count?: number | string;
  attitudes_count?: number | string;
  pics?: { url?: string; large?: { url?: string } }[];
  page_info?: { type?: string; page_pic?: { url?: string }; urls?: Record<string, string>; media_info?: Record<string, unknown> };
  retweeted_status?: WbStatus;
}

function renderData(doc: Document): WbStatus | null {
  const data = scriptJson(doc, /\$render_data\s*=\s*(\[[\s\S]*?\])\s*\[0\]/);
  const first = Array.isArray(data) ? (data[0] as { status?: WbStatus } | undefined) : undefined;
  return first?.status ?? null;
}

function fromStatus(doc: Document, s: WbStatus, ctx: AdapterContext): Post {
  const bid = s.bid ?? null;
  const uid = s.user?.id !== undefined ? String(s.user.id) : null;
  const p = emptyPost('weibo', uid && bid ? `https://weibo.com/${uid}/${bid}` : s.id ? `https://m.weibo.cn/detail/${s.id}` : null);
  p.id = bid ?? (s.id !== undefined ? String(s.id) : null);
  p.text = htmlToText(doc, s.text);
  if (s.deleted && String(s.deleted) !== '0') {
    p.status = statusFromText(p.text, WEIBO_STATUS_NOTICES) ?? 'deleted';
    return p;
  }
  if (s.user) {
    p.author = { name: clean(s.user.screen_name), id: uid, url: uid ? `https://weibo.com/u/${uid}` : null };
  }
  p.publishedAtText = s.created_at ?? null;
  const t = s.created_at ? Date.parse(s.created_at) : NaN;
  p.publishedAt = Number.isNaN(t) ? (s.created_at ? resolveRelativeTime(s.created_at, ctx.capturedAt) : null) : new Date(t).toISOString();
  for (const pic of s.pics ?? []) {
    const u = pic.large?.url ?? pic.url;
    if (u) pushMedia(p.media, originalMediaUrl(u), 'image');
  }
  const pi = s.page_info;
  if (pi?.type === 'video') {
    const mi = (pi.media_info ?? {}) as Record<string, unknown>;
    const direct = [pi.urls?.mp4_720p_mp4, pi.urls?.mp4_hd_mp4, mi.mp4_720p_mp4, mi.stream_url_hd, mi.mp4_hd_url, mi.stream_url, pi.urls?.mp4_ld_mp4]
      .find((v): v is string => typeof v === 'string' && /^https?:|^\/\//.test(v));
    if (direct) pushMedia(p.media, absUrl(direct, 'https://m.weibo.cn/'), 'video');
  }
  const n = (v: number | string | undefined): string | null => (v === undefined || v === null ? null : String(v));
  p.metrics = { reposts: n(s.reposts_count), comments: n(s.comments_count), likes: n(s.attitudes_count) };
  if (s.retweeted_status) p.quoted = fromStatus(doc, s.retweeted_status, ctx);
  return p;
}

// ---------- DOM (desktop and mobile renderings) ----------

const RETWEET = '[class*="retweet_retweetWrap"], [class*="Feed_retweet"], .weibo-rp, .WB_feed_expand, .card-comment';
const TEXT = '[class*="detail_wbtext"], .weibo-text, .WB_text, p.txt[node-type="feed_list_content_full"], p.txt';
const TIME = 'a[class*="head-info_time"], .time, .WB_from a[date], .from a[href*="/"]:first-child';
const IMAGES = '[class*="picture_"] img, .woo-picture-img, .weibo-media-wraps img, .media-pic-list img, .WB_media_wrap img, .m-img-box img';

function inRetweet(e: Element, scope: Element): boolean {
  const r = e.closest(RETWEET);
  return !!r && scope.contains(r) && r !== scope;
}

function postContainer(doc: Document, root?: Element): Element | null {
  if (root) {
    for (const s of WEIBO_POST_SELECTORS) {
      const c = root.closest(s);
      // The text block alone lacks the author and toolbar: widen to the whole card.
      if (c) return c.closest('article.woo-panel-main, .card-wrap, .WB_cardwrap') ?? c;
    }
    return root;
  }
  const main = q(doc, ['article.woo-panel-main', '.weibo-main', '.WB_detail', '.card-wrap']);
  // Mobile: the author header and toolbar sit beside .weibo-main, inside the card.
  return main?.matches('.weibo-main') ? main.closest('.card-wrap') ?? main : main;
}

function readDom(doc: Document, scope: Element, url: URL, ctx: AdapterContext, isQuoted: boolean): Post | null {
  const own = (sel: string): Element[] => qa(scope, sel).filter((e) => isQuoted || !inRetweet(e, scope));
  const textEl = own(TEXT)[0];
  const p = emptyPost('weibo', isQuoted ? null : url.href);
  const noFold = (e: Element): boolean => labelIs(e, /^(展开|收起|全文|展开全文|收起全文)$/) && e.tagName !== 'P';
  p.text = textOf(textEl, (e) => noFold(e) || (isQuoted && e.matches('[class*="detail_nick"]')));
  if (isQuoted && p.text) p.text = p.text.replace(/^@[^:：\n]{1,30}[:：]\s*/, '');

  // Author: desktop head link / mobile h3 / classic W_f14; in a repost card the "@name:" link.
  const authorLink = isQuoted
    ? q(scope, ['[class*="detail_nick"] a', 'a[usercard]', 'a[href^="/n/"]', 'a[href*="/u/"]'])
    : own('[class*="head_name"], [class*="head_nick"] a, .weibo-top a[href*="/profile/"], .WB_info a[usercard], .m-text-box a')[0] ?? null;
  const nameEl = authorLink?.querySelector('span[title], h3') ?? authorLink;
  p.author.name = clean(attr(nameEl, 'title') ?? nameEl?.textContent)?.replace(/^@/, '') ?? null;
  if (!isQuoted) p.author.name ??= clean(own('.m-text-cut')[0]?.textContent);
  const ahref = attr(authorLink, 'href');
  p.author.id = attr(authorLink, 'usercard')?.replace(/^id=/, '').match(/^\d+$/)?.[0] ?? authorIdFromHref(ahref);
  p.author.url = p.author.id ? `https://weibo.com/u/${p.author.id}` : absUrl(ahref, url);

  const timeEl = own(TIME)[0] ?? null;
  const shown = clean(timeEl?.textContent);
  p.publishedAtText = shown;
  const dateMs = Number(attr(timeEl, 'date'));
  p.publishedAt = dateMs > 0 ? new Date(dateMs).toISOString()
    : (attr(timeEl, 'title') ? resolveRelativeTime(attr(timeEl, 'title')!, ctx.capturedAt) : null) ?? (shown ? resolveRelativeTime(shown, ctx.capturedAt) : null);
  const link = absUrl(attr(timeEl, 'href'), url);
  if (link) {
    const lu = new URL(link);
    if (isQuoted || !idFromUrl(url)) {
      p.url = hostIn(lu, WEIBO_HOSTS) ? lu.href : p.url;
      p.id = idFromUrl(lu);
    }
  }
  if (!isQuoted) p.id = idFromUrl(url) ?? p.id;

  for (const img of own(IMAGES)) {
    if (img.closest('.woo-avatar-main, [class*="avatar"], .m-img-box')?.closest('header, .weibo-top')) continue;
    const src = attr(img, 'data-src') ?? attr(img, 'src');
    if (src && /sinaimg\.cn/.test(src)) pushMedia(p.media, originalMediaUrl(absUrl(src, url)!), 'image');
  }
  for (const v of own('video')) {
    const src = attr(v, 'src') ?? attr(v.querySelector('source'), 'src');
    const abs = absUrl(src, url);
    if (abs) pushMedia(p.media, abs, 'video');
  }

  if (!isQuoted) {
    // Desktop toolbar items are told apart by their icons; mobile footer by their labels.
    for (const item of own('footer [class*="toolbar_item"], .m-ctrl-box .m-diy-btn, .WB_handle li')) {
      const html = item.innerHTML;
      const value = metricText(item.textContent);
      if (/retweet|forward|转发/.test(html)) p.metrics.reposts ??= value;
      else if (/comment|评论/.test(html)) p.metrics.comments ??= value;
      else if (/like|attitude|赞/.test(html)) p.metrics.likes ??= value;
    }
    const card = qa(scope, RETWEET)[0];
    if (card) {
      const quoted = readDom(doc, card, url, ctx, true);
      if (quoted) {
        const notice = statusFromText(textOf(card), WEIBO_STATUS_NOTICES);
        if (notice && !quoted.author.name) quoted.status = notice;
        p.quoted = quoted;
      }
    }
  }
  if (!p.text && !p.author.name && p.media.length === 0) {
    const notice = statusFromText(textOf(scope), WEIBO_STATUS_NOTICES);
    if (!notice) return null;
    p.status = notice;
  }
  return p;
}

export const weiboAdapter: SiteAdapter = {
  platform: 'weibo',
  matches: (url) => hostIn(url, WEIBO_HOSTS),
  async expand(doc, root) {
    const scope = root ? postContainer(doc, root) ?? root : doc.body ?? doc.documentElement;
    return clickExpanders(scope, (e) => labelIs(e, /^(展开|展开全文|全文)\s*[>›∨]?$/) && !e.closest('footer'));
  },
  extract(doc, url, ctx) {
    const scope = postContainer(doc, ctx.root);
    const data = ctx.root ? null : renderData(doc);
    if (data) {
      const p = fromStatus(doc, data, ctx);
      p.url = url.href;
      p.id = idFromUrl(url) ?? p.id;
      // The DOM holds the expanded long text when the page fetched it; the data only the first part.
      const domText = scope ? readDom(doc, scope, url, ctx, false)?.text ?? null : null;
      if (domText && (p.text?.length ?? 0) < domText.length) p.text = domText;
      return p;
    }
    const post = scope ? readDom(doc, scope, url, ctx, false) : null;
    if (post) return post;
    // No post on the page: a deletion or removal notice is evidence too.
    const status = statusFromText(pageText(doc), WEIBO_STATUS_NOTICES);
    if (!status) return null;
    const p = emptyPost('weibo', url.href);
    p.id = idFromUrl(url);
    p.status = status;
    p.text = clean(pageText(doc).split('\n').find((l) => statusFromText(l, WEIBO_STATUS_NOTICES))) ?? null;
    return p;
  },
};
