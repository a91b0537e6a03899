/**
 * WeChat official-account articles (mp.weixin.qq.com). The publish time is filled in by page
 * script, so it is also read from the `var ct = "<unix seconds>"` line in inline script text (read
 * as text, never executed). Deletion and violation notices are WeUI message pages.
 */
import type { Post, PostStatus } from '../bundle/format';
import type { SiteAdapter } from './types';
import {
  absUrl, attr, clean, clickExpanders, emptyPost, hostIn, labelIs, pageText, pushMedia, q, qa, scriptString, statusFromText, textOf,
} from './dom';
import { fromUnixSeconds, resolveRelativeTime } from './time';

export const WECHAT_HOSTS = ['mp.weixin.qq.com'] as const;
export const WECHAT_POST_SELECTORS = ['#js_article', '.rich_media', '#js_content'];

export const WECHAT_STATUS_NOTICES: ReadonlyArray<readonly [RegExp, PostStatus]> = [
  [/因违规无法查看|违反.{0,20}(规定|规范|法律法规)|涉嫌侵权|被投诉.{0,12}无法查看|已被(平台)?屏蔽|已停止访问该网页/, 'removed'],
  [/已被发布者删除|该内容已被删除|内容已删除|已删除该内容/, 'deleted'],
  [/该公众号已迁移|帐号已迁移|账号已迁移|该公众号已(被)?(注销|冻结)|无法查看|暂时无法访问|链接已(过期|失效)|参数错误/, 'unavailable'],
];

/**
 * mmbiz.qpic.cn images: the last path segment is the size (/640, /300); /0 is the original the
 * platform itself links in og:image. The wx_fmt query (the file format) is kept, sizing hints dropped.
 */
export function originalMediaUrl(url: string): string {
  try {
    const u = new URL(url, 'https://mp.weixin.qq.com/');
    if (!/(^|\.)(qpic\.cn|qlogo\.cn)$/.test(u.hostname)) return u.href;
    u.pathname = u.pathname.replace(/\/(\d{1,4})$/, '/0');
    const fmt = u.searchParams.get('wx_fmt');
    u.search = fmt ? `?wx_fmt=${encodeURIComponent(fmt)}` : '';
    u.protocol = 'https:';
    return u.href;
  } catch {
    return url;
  }
}

/** /s/<token> or the __biz/mid/idx/sn quartet of /s?…; null for anything else. */
function idFromUrl(url: URL): string | null {
  const m = /^\/s\/([A-Za-z0-9_-]+)/.exec(url.pathname);
  if (m) return m[1]!;
  const sp = url.searchParams;
  if (sp.get('__biz') && sp.get('mid')) return `${sp.get('__biz')}:${sp.get('mid')}:${sp.get('idx') ?? '1'}`;
  return null;
}

function profileUrl(biz: string | null): string | null {
  return biz ? `https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=${encodeURIComponent(biz)}` : null;
}

export const wechatAdapter: SiteAdapter = {
  platform: 'wechat',
  matches: (url) => hostIn(url, WECHAT_HOSTS),
  async expand(doc, root) {
    // Articles are not folded, but comment threads and some share pages have "展开"/"阅读全文" links.
    return clickExpanders(root ?? doc.body ?? doc.documentElement, (e) => labelIs(e, /^(阅读全文|展开全文|展开)$/));
  },
  extract(doc, url, ctx) {
    const scope = (ctx.root ? ctx.root.closest('#js_article, .rich_media') ?? ctx.root : null) ?? doc;
    const content = q(scope, ['#js_content', '.rich_media_content', '#js_share_content']);
    const titleEl = q(scope, ['#activity-name', '.rich_media_title', '#js_share_notice']);
    if (!content && !titleEl) {
      const text = pageText(doc);
      const status = statusFromText(text, WECHAT_STATUS_NOTICES);
      if (!status) return null;
      const p = emptyPost('wechat', url.href);
      p.id = idFromUrl(url);
      p.status = status;
      p.text = clean(textOf(q(doc, ['.weui-msg__text-area', '.weui-msg', '.global_error_msg'])) ?? text);
      return p;
    }
    const p = emptyPost('wechat', url.href);
    const biz = scriptString(doc, 'biz') ?? url.searchParams.get('__biz');
    const link = scriptString(doc, 'msg_link');
    p.id = idFromUrl(url) ?? (link ? idFromUrl(new URL(link, url)) : null);
    p.title = clean(titleEl?.textContent) ?? scriptString(doc, 'msg_title');
    const nick = q(scope, ['#js_name', '.rich_media_meta_nickname a', '.rich_media_meta_nickname', '#js_profile_qrcode .profile_nickname']);
    p.author = {
      name: clean(nick?.textContent) ?? scriptString(doc, 'nickname'),
      id: scriptString(doc, 'user_name') ?? biz,
      url: profileUrl(biz),
    };
    // The writer's own byline, when it differs from the account, is kept in the text's header line.
    const byline = clean(qa(scope, '#meta_content .rich_media_meta_text').find((e) => !e.matches('#publish_time') && !e.querySelector('#js_name'))?.textContent);
    const shown = clean(q(scope, '#publish_time')?.textContent);
    p.publishedAtText = shown;
    p.publishedAt = fromUnixSeconds(scriptString(doc, 'ct') ?? scriptString(doc, 'create_time')) ?? (shown ? resolveRelativeTime(shown, ctx.capturedAt) : null);
    const share = q(scope, ['#js_share_source', '.share_media', '.original_primary_card']);
    const body = textOf(content, (e) => e === share || e.matches('#js_share_source, .share_media'));
    p.text = byline && body ? `${byline}\n${body}` : body;
    for (const img of qa(content ?? scope, 'img')) {
      if (share?.contains(img)) continue;
      const src = attr(img, 'data-src') ?? attr(img, 'src');
      const abs = absUrl(src, url);
      if (abs && /qpic\.cn/.test(abs)) pushMedia(p.media, originalMediaUrl(abs), 'image');
    }
    for (const v of qa(content ?? scope, 'video, mpvideo, iframe.video_iframe')) {
      const src = absUrl(attr(v, 'src') ?? attr(v, 'data-src'), url);
      if (src && /\.mp4|mpvideo\.qpic\.cn/.test(src)) pushMedia(p.media, src, 'video');
    }
    const likes = clean(q(scope, '#like3, #js_like_area .like_num, .sns_opr_btn.sns_like_btn .sns_opr_num')?.textContent);
    p.metrics = { reposts: null, comments: null, likes: likes && /\d/.test(likes) ? likes : null };
    if (share) p.quoted = quotedCard(share, url);
    return p;
  },
};

/** The original article a share page points to (the account "shared an article"). */
function quotedCard(card: Element, base: URL): Post {
  const href = absUrl(attr(card.closest('a[href]') ?? card.querySelector('a[href]'), 'href') ?? attr(card, 'data-url'), base);
  const p = emptyPost('wechat', href);
  if (href) p.id = idFromUrl(new URL(href));
  p.title = clean(q(card, ['.share_media_title', '.original_primary_card_title', 'h2', 'strong'])?.textContent);
  p.author.name = clean(q(card, ['.share_media_account', '.original_primary_nickname', '.account_nickname'])?.textContent);
  p.text = clean(q(card, ['.share_media_desc', '.original_primary_card_desc', 'p'])?.textContent);
  const img = card.querySelector('img');
  const src = absUrl(attr(img, 'data-src') ?? attr(img, 'src'), base);
  if (src) pushMedia(p.media, originalMediaUrl(src), 'image');
  const notice = statusFromText(textOf(card), WECHAT_STATUS_NOTICES);
  if (notice) p.status = notice;
  return p;
}
