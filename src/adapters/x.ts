/**
 * X / Twitter. Reads the rendered timeline markup, whose stable hooks are data-testid attributes:
 * article[data-testid="tweet"], User-Name, tweetText, tweetPhoto, videoPlayer, and time[datetime].
 * On a status page the main post is the article whose /status/<id> link matches the URL.
 */
import type { Post, PostStatus } from '../bundle/format';
import type { AdapterContext, SiteAdapter } from './types';
import { absUrl, attr, clean, clickExpanders, emptyPost, hostIn, labelIs, metricText, pageText, pushMedia, qa, statusFromText, textOf } from './dom';
import { resolveRelativeTime } from './time';

export const X_HOSTS = ['x.com', 'www.x.com', 'twitter.com', 'www.twitter.com', 'mobile.twitter.com', 'mobile.x.com'] as const;
export const X_POST_SELECTORS = ['article[data-testid="tweet"]', 'article[role="article"]'];

export const X_STATUS_NOTICES: ReadonlyArray<readonly [RegExp, PostStatus]> = [
  [/violated the (X|Twitter) Rules|from a suspended account|has been withheld|withheld in/i, 'removed'],
  [/deleted by the (Post|Tweet) author|This (Post|Tweet) was deleted/i, 'deleted'],
  [/This (Post|Tweet) is unavailable|page doesn.t exist|limits who can view|account owner limits|protected|Something went wrong/i, 'unavailable'],
];

/** pbs.twimg.com/media/…?format=jpg&name=small → name=orig (the uploaded original). */
export function originalMediaUrl(url: string): string {
  try {
    const u = new URL(url, 'https://x.com/');
    if (u.hostname !== 'pbs.twimg.com') return u.href;
    if (/^\/(media|ext_tw_video_thumb|amplify_video_thumb|tweet_video_thumb)\//.test(u.pathname)) {
      // Old form: /media/ABC.jpg:large → ?format=jpg&name=orig
      const old = /^(.*)\.(jpg|jpeg|png|webp|gif)(?::\w+)?$/.exec(u.pathname);
      if (old) {
        u.pathname = old[1]!;
        if (!u.searchParams.get('format')) u.searchParams.set('format', old[2]!);
      }
      u.searchParams.set('name', 'orig');
    }
    return u.href;
  } catch {
    return url;
  }
}

function statusId(href: string | null): { user: string; id: string } | null {
  const m = href ? /^(?:https?:\/\/[^/]+)?\/([A-Za-z0-9_]{1,20})\/status(?:es)?\/(\d+)/.exec(href) : null;
  return m ? { user: m[1]!, id: m[2]! } : null;
}

function idFromUrl(url: URL): string | null {
  return statusId(url.pathname)?.id ?? null;
}

/** Elements inside `scope` but not inside a nested quoted post (a div[role=link] holding another User-Name). */
function ownOf(scope: Element, quoteBox: Element | null, sel: string): Element[] {
  return qa(scope, sel).filter((e) => !quoteBox || !quoteBox.contains(e));
}

function quoteBoxOf(article: Element): Element | null {
  const names = qa(article, '[data-testid="User-Name"]');
  if (names.length < 2) return null;
  // The quoted post is the smallest role=link box around the second author line.
  return names[1]!.closest('div[role="link"]') ?? names[1]!.parentElement?.parentElement?.parentElement ?? null;
}

function readPost(scope: Element, quoteBox: Element | null, url: URL, ctx: AdapterContext): Post {
  const p = emptyPost('x', null);
  const own = (sel: string): Element[] => ownOf(scope, quoteBox, sel);
  const nameBox = own('[data-testid="User-Name"]')[0];
  const handleText = qa(nameBox, 'span').map((s) => clean(s.textContent)).find((t) => t && /^@\w{1,20}$/.test(t)) ?? null;
  const nameLink = nameBox?.querySelector('a[href^="/"]') ?? null;
  const handle = handleText?.slice(1) ?? attr(nameLink, 'href')?.replace(/^\//, '').split('/')[0] ?? null;
  p.author = {
    name: clean(nameBox?.querySelector('span')?.textContent) ?? null,
    id: handle,
    url: handle ? `https://x.com/${handle}` : null,
  };
  // The tweet's own permalink is the link around its <time>.
  const time = own('time[datetime]')[0] ?? null;
  const link = time?.closest('a[href]') ?? null;
  const sid = statusId(attr(link, 'href')) ?? own('a[href*="/status/"]').map((a) => statusId(attr(a, 'href'))).find(Boolean) ?? null;
  p.id = sid?.id ?? null;
  if (sid) p.url = `https://x.com/${sid.user}/status/${sid.id}`;
  if (sid && !p.author.id) p.author = { ...p.author, id: sid.user, url: `https://x.com/${sid.user}` };
  p.publishedAtText = clean(time?.textContent) ?? null;
  const dt = attr(time, 'datetime');
  p.publishedAt = dt ? resolveRelativeTime(dt, ctx.capturedAt, 'Z') : p.publishedAtText ? resolveRelativeTime(p.publishedAtText, ctx.capturedAt, 'Z') : null;
  const textEl = own('[data-testid="tweetText"]')[0];
  p.text = textOf(textEl, (e) => e.matches('[data-testid="tweet-text-show-more-link"]'));
  // Emoji are <img alt="😀"> in tweet text: keep their alt.
  if (textEl && p.text === null) p.text = clean(qa(textEl, 'img[alt]').map((i) => i.getAttribute('alt')).join(''));
  for (const img of own('[data-testid="tweetPhoto"] img, a[href*="/photo/"] img')) {
    const src = absUrl(attr(img, 'src'), url);
    if (src && /pbs\.twimg\.com\/media\//.test(src)) pushMedia(p.media, originalMediaUrl(src), 'image');
  }
  for (const v of own('video')) {
    const src = attr(v, 'src') ?? attr(v.querySelector('source'), 'src');
    const direct = absUrl(src, url);
    // Timeline videos are usually blob: streams (nothing direct to fetch); keep the poster then.
    if (direct) pushMedia(p.media, direct, 'video');
    else {
      const poster = absUrl(attr(v, 'poster'), url);
      if (poster) pushMedia(p.media, originalMediaUrl(poster), 'image');
    }
  }
  const count = (id: string): string | null => metricText(own(`[data-testid="${id}"]`)[0]?.textContent ?? null);
  p.metrics = { reposts: count('retweet') ?? count('unretweet'), comments: count('reply'), likes: count('like') ?? count('unlike') };
  return p;
}

function mainArticle(doc: Document, url: URL, root?: Element): Element | null {
  if (root) return root.closest(X_POST_SELECTORS.join(', ')) ?? root.querySelector(X_POST_SELECTORS[0]!) ?? null;
  const all = qa(doc, X_POST_SELECTORS[0]!);
  const id = idFromUrl(url);
  if (id) {
    // The focal post links to its own status id through its <time>.
    const hit = all.find((a) => qa(a, 'time').some((t) => statusId(attr(t.closest('a[href]'), 'href'))?.id === id));
    if (hit) return hit;
    const focal = all.find((a) => a.getAttribute('tabindex') === '-1');
    if (focal) return focal;
  }
  return all[0] ?? null;
}

export const xAdapter: SiteAdapter = {
  platform: 'x',
  matches: (url) => hostIn(url, X_HOSTS),
  async expand(doc, root) {
    const scope = root?.closest(X_POST_SELECTORS.join(', ')) ?? root ?? doc.body ?? doc.documentElement;
    return clickExpanders(scope, (e) => e.matches('[data-testid="tweet-text-show-more-link"]') || labelIs(e, /^Show more$|^显示更多$/i));
  },
  extract(doc, url, ctx) {
    const article = mainArticle(doc, url, ctx.root);
    if (!article) {
      const status = statusFromText(pageText(doc), X_STATUS_NOTICES);
      if (!status) return null;
      const p = emptyPost('x', url.href);
      p.id = idFromUrl(url);
      const sid = statusId(url.pathname);
      if (sid) p.author = { name: null, id: sid.user, url: `https://x.com/${sid.user}` };
      p.status = status;
      p.text = clean(pageText(doc).split('\n').find((l) => statusFromText(l, X_STATUS_NOTICES)));
      return p;
    }
    const box = quoteBoxOf(article);
    const p = readPost(article, box, url, ctx);
    p.url ??= url.href;
    if (box) {
      p.quoted = readPost(box, null, url, ctx);
      // A quoted post that is gone shows only a notice in its box.
      if (!p.quoted.text) p.quoted.status = statusFromText(textOf(box), X_STATUS_NOTICES) ?? p.quoted.status;
    } else {
      // "This Post is unavailable." in a quote box without an author line.
      const gone = qa(article, 'div[role="link"], [data-testid="tombstone"]').map((e) => textOf(e) ?? '').find((t) => statusFromText(t, X_STATUS_NOTICES));
      if (gone) {
        p.quoted = emptyPost('x', null);
        p.quoted.status = statusFromText(gone, X_STATUS_NOTICES)!;
        p.quoted.text = clean(gone);
      }
    }
    return p;
  },
};
