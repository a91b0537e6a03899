/**
 * Douyin web pages: videos (/video/<id>) and image posts (/note/<id>). Classes are hashed and
 * change often; the stable hooks are data-e2e attributes. The page's own data (the URL-encoded JSON
 * in <script id="RENDER_DATA">) fills what the DOM does not show; it is parsed, never executed.
 */
import type { Post, PostStatus } from '../bundle/format';
import type { AdapterContext, SiteAdapter } from './types';
import { absUrl, attr, clean, clickExpanders, emptyPost, hostIn, labelIs, metricText, pageText, pushMedia, q, qa, statusFromText, textOf } from './dom';
import { fromUnixSeconds, resolveRelativeTime } from './time';

export const DOUYIN_HOSTS = ['douyin.com', 'www.douyin.com', 'm.douyin.com', 'www.iesdouyin.com'] as const;
export const DOUYIN_POST_SELECTORS = ['[data-e2e="detail-video-info"]', '[data-e2e="video-detail"]', '[data-e2e="note-detail"]', '[data-e2e="feed-active-video"]'];

export const DOUYIN_STATUS_NOTICES: ReadonlyArray<readonly [RegExp, PostStatus]> = [
  [/违反.{0,12}(社区自律公约|法律法规|规定)|因违规|已被(平台)?下架|涉嫌违规|审核未通过/, 'removed'],
  [/作品已删除|作品已被删除|视频已删除|该作品已被作者删除|内容已被删除|作者已删除/, 'deleted'],
  [/暂时无法(无法)?查看|作品不存在|视频不见了|仅作者可见|私密作品|作品已失效|无法查看|不可见/, 'unavailable'],
];

/** Douyin serves media from signed CDN URLs: rewriting them breaks the signature, so they are kept. */
export function originalMediaUrl(url: string): string {
  try {
    const u = new URL(url, 'https://www.douyin.com/');
    u.protocol = 'https:';
    return u.href;
  } catch {
    return url;
  }
}

function idFromUrl(url: URL): string | null {
  return /^\/(?:video|note|share\/video)\/(\d+)/.exec(url.pathname)?.[1] ?? url.searchParams.get('modal_id');
}

interface Aweme {
  awemeId?: string;
  desc?: string;
  createTime?: number | string;
  authorInfo?: { nickname?: string; secUid?: string; uid?: string };
  stats?: { diggCount?: number; commentCount?: number; shareCount?: number };
  video?: { playAddr?: { src?: string }[]; cover?: string };
  images?: { urlList?: string[] }[];
}

function renderData(doc: Document): Aweme | null {
  const el = doc.querySelector('script#RENDER_DATA');
  if (!el?.textContent) return null;
  try {
    const data = JSON.parse(decodeURIComponent(el.textContent.trim())) as Record<string, unknown>;
    for (const v of Object.values(data)) {
      const d = (v as { aweme?: { detail?: Aweme }; videoDetail?: Aweme } | null)?.aweme?.detail ?? (v as { videoDetail?: Aweme } | null)?.videoDetail;
      if (d) return d;
    }
  } catch {
    /* not the shape we know: the DOM is enough */
  }
  return null;
}

function e2e(scope: ParentNode, name: string): Element | null {
  return scope.querySelector(`[data-e2e="${name}"]`);
}

export const douyinAdapter: SiteAdapter = {
  platform: 'douyin',
  matches: (url) => hostIn(url, DOUYIN_HOSTS),
  async expand(doc, root) {
    const scope = root ?? doc.body ?? doc.documentElement;
    return clickExpanders(scope, (e) => labelIs(e, /^(展开|展开全文|更多)$/) && !!e.closest('[data-e2e="video-desc"], [data-e2e="detail-video-info"], [data-e2e="note-detail"]'));
  },
  extract(doc, url, ctx: AdapterContext) {
    const scope = ctx.root?.closest(DOUYIN_POST_SELECTORS.join(', ')) ?? ctx.root ?? q(doc, DOUYIN_POST_SELECTORS) ?? null;
    const data = ctx.root ? null : renderData(doc);
    if (!scope && !data) {
      const status = statusFromText(pageText(doc), DOUYIN_STATUS_NOTICES);
      if (!status) return null;
      const p = emptyPost('douyin', url.href);
      p.id = idFromUrl(url);
      p.status = status;
      p.text = clean(pageText(doc).split('\n').find((l) => statusFromText(l, DOUYIN_STATUS_NOTICES)));
      return p;
    }
    const page = doc.body ?? doc.documentElement;
    const p = emptyPost('douyin', url.href);
    p.id = idFromUrl(url) ?? data?.awemeId ?? null;
    const title = e2e(scope ?? page, 'video-desc') ?? e2e(page, 'video-desc');
    const fold = (e: Element): boolean => labelIs(e, /^(展开|收起)$/);
    p.text = textOf(title, fold) ?? clean(data?.desc);
    if (data?.desc && (p.text?.length ?? 0) < data.desc.length) p.text = clean(data.desc);
    // No title: a video's caption is its text (the <h1> on the page holds the same words).
    // Author: the info panel beside the video links to /user/<secUid>.
    const info = e2e(page, 'user-info') ?? page;
    const userLink = qa(info, 'a[href*="/user/"]').find((a) => clean(a.textContent)) ?? info.querySelector('a[href*="/user/"]');
    const secUid = /\/user\/([^/?#]+)/.exec(attr(userLink, 'href') ?? '')?.[1] ?? data?.authorInfo?.secUid ?? null;
    p.author = {
      name: clean(e2e(info, 'user-info-name')?.textContent ?? userLink?.textContent) ?? clean(data?.authorInfo?.nickname),
      id: secUid,
      url: secUid ? `https://www.douyin.com/user/${secUid}` : null,
    };
    const time = e2e(scope ?? page, 'detail-video-publish-time') ?? e2e(page, 'detail-video-publish-time');
    p.publishedAtText = clean(time?.textContent);
    p.publishedAt = (p.publishedAtText ? resolveRelativeTime(p.publishedAtText, ctx.capturedAt) : null) ?? fromUnixSeconds(data?.createTime);
    const count = (name: string): string | null => metricText(e2e(page, name)?.textContent);
    p.metrics = {
      likes: count('video-player-digg') ?? (data?.stats?.diggCount !== undefined ? String(data.stats.diggCount) : null),
      comments: count('feed-comment-icon') ?? (data?.stats?.commentCount !== undefined ? String(data.stats.commentCount) : null),
      reposts: count('video-player-share') ?? (data?.stats?.shareCount !== undefined ? String(data.stats.shareCount) : null),
    };
    // Video: a direct <source>/<video src> (not blob:); image posts: the slides.
    const card = e2e(page, 'repost-origin');
    for (const v of qa(page, 'video').filter((e) => !card?.contains(e))) {
      for (const s of [attr(v, 'src'), ...qa(v, 'source').map((e) => attr(e, 'src'))]) {
        const abs = absUrl(s, url);
        if (abs) {
          pushMedia(p.media, originalMediaUrl(abs), 'video');
          break; // the <source> list is the same file from several CDNs
        }
      }
    }
    if (!p.media.some((m) => m.type === 'video')) {
      const src = data?.video?.playAddr?.map((a) => absUrl(a.src, url)).find(Boolean);
      if (src) pushMedia(p.media, originalMediaUrl(src), 'video');
    }
    for (const img of qa(scope ?? page, '[data-e2e="note-image"] img, .swiper-slide img').filter((e) => !card?.contains(e))) pushMedia(p.media, absUrl(attr(img, 'src'), url), 'image');
    if (!p.media.some((m) => m.type === 'image')) {
      for (const im of data?.images ?? []) pushMedia(p.media, absUrl(im.urlList?.[0], url), 'image');
    }
    // A repost ("转发") shows the original as a card with its own author and link.
    if (card) {
      const o = emptyPost('douyin', null);
      const link = card.querySelector('a[href*="/video/"], a[href*="/note/"]');
      o.url = absUrl(attr(link, 'href'), url);
      o.id = o.url ? idFromUrl(new URL(o.url)) : null;
      const au = card.querySelector('a[href*="/user/"]');
      const osec = /\/user\/([^/?#]+)/.exec(attr(au, 'href') ?? '')?.[1] ?? null;
      o.author = { name: clean(au?.textContent)?.replace(/^@/, '') ?? null, id: osec, url: osec ? `https://www.douyin.com/user/${osec}` : null };
      o.text = textOf(e2e(card, 'repost-origin-desc'));
      const cover = card.querySelector('img');
      pushMedia(o.media, absUrl(attr(cover, 'src'), url), 'image');
      o.status = statusFromText(textOf(card), DOUYIN_STATUS_NOTICES) ?? 'available';
      p.quoted = o;
    }
    return p;
  },
};
