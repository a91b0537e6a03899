/**
 * Generic post fields for any page: JSON-LD (schema.org SocialMediaPosting, DiscussionForumPosting,
 * Article/NewsArticle/BlogPosting, VideoObject), microdata (itemscope/itemprop) and OpenGraph, in
 * that order of trust. Used for sites without an adapter and as the fallback when an adapter fails.
 */
import type { Post, PostPlatform } from '../bundle/format';
import type { AdapterContext, SiteAdapter } from './types';
import { absUrl, attr, clean, emptyPost, meta, pushMedia, qa, textOf } from './dom';
import { resolveRelativeTime } from './time';

const POST_TYPES = /^(SocialMediaPosting|DiscussionForumPosting|BlogPosting|Article|NewsArticle|ReportageNewsArticle|OpinionNewsArticle|AnalysisNewsArticle|ScholarlyArticle|TechArticle|VideoObject|Answer|Comment|Question|LiveBlogPosting)$/;

type Obj = Record<string, unknown>;

/**
 * Every JSON-LD object on the page, with @graph arrays flattened. Local reader: the capture side's
 * readJsonLd (src/capture/metadata.ts) was not there yet; this one only parses, never executes.
 */
export function readJsonLdObjects(doc: Document): Obj[] {
  const out: Obj[] = [];
  const add = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(add);
    else if (v && typeof v === 'object') {
      out.push(v as Obj);
      const g = (v as Obj)['@graph'];
      if (g) add(g);
    }
  };
  for (const s of qa(doc, 'script[type="application/ld+json"]')) {
    try {
      add(JSON.parse(s.textContent ?? ''));
    } catch {
      /* broken JSON-LD is common; skip it */
    }
  }
  return out;
}

function types(o: Obj): string[] {
  const t = o['@type'];
  return (Array.isArray(t) ? t : [t]).filter((x): x is string => typeof x === 'string').map((x) => x.replace(/^https?:\/\/schema\.org\//, ''));
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return clean(v);
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return str(v[0]);
  if (v && typeof v === 'object') return str((v as Obj)['@value'] ?? (v as Obj).name ?? (v as Obj).url ?? (v as Obj)['@id']);
  return null;
}

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

/** interactionStatistic → counts by kind. */
function interactions(o: Obj): Post['metrics'] {
  const m: Post['metrics'] = { reposts: null, comments: null, likes: null };
  const list = o.interactionStatistic;
  for (const s of (Array.isArray(list) ? list : list ? [list] : []) as Obj[]) {
    const kind = str(s?.interactionType) ?? '';
    const n = str(s?.userInteractionCount);
    if (/Like/i.test(kind)) m.likes ??= n;
    else if (/Comment/i.test(kind)) m.comments ??= n;
    else if (/Share/i.test(kind)) m.reposts ??= n;
  }
  m.comments ??= str(o.commentCount);
  return m;
}

function fromJsonLd(o: Obj, platform: PostPlatform, url: URL, ctx: AdapterContext): Post {
  const p = emptyPost(platform, str(o.url) ?? url.href);
  const isArticle = types(o).some((t) => /Article|BlogPosting/.test(t));
  p.id = str(o.identifier);
  const a = first(o.author) as Obj | string | undefined;
  if (typeof a === 'string') p.author.name = clean(a);
  else if (a) {
    p.author.name = str(a.name);
    p.author.url = str(a.url);
    p.author.id = str(a.identifier) ?? str(a.alternateName);
  }
  p.title = isArticle || types(o).includes('VideoObject') ? str(o.headline) ?? str(o.name) : str(o.headline);
  p.text = clean(typeof o.articleBody === 'string' ? o.articleBody : null) ?? str(o.text) ?? str(o.description);
  const when = str(o.datePublished) ?? str(o.dateCreated) ?? str(o.uploadDate);
  p.publishedAtText = when;
  p.publishedAt = when ? resolveRelativeTime(when, ctx.capturedAt, '+00:00') : null;
  const imgs = o.image;
  for (const i of (Array.isArray(imgs) ? imgs : imgs ? [imgs] : []) as unknown[]) pushMedia(p.media, absUrl(str(i), url), 'image');
  for (const v of (Array.isArray(o.video) ? o.video : o.video ? [o.video] : []) as Obj[]) pushMedia(p.media, absUrl(str(v.contentUrl), url), 'video');
  if (types(o).includes('VideoObject')) pushMedia(p.media, absUrl(str(o.contentUrl), url), 'video');
  p.metrics = interactions(o);
  const shared = (o.sharedContent ?? o.isBasedOn) as Obj | undefined;
  if (shared && typeof shared === 'object' && !Array.isArray(shared)) p.quoted = fromJsonLd(shared, platform, url, ctx);
  return p;
}

/** Microdata: the first itemscope whose itemtype is a post type. */
function fromMicrodata(doc: Document, platform: PostPlatform, url: URL, ctx: AdapterContext, root?: Element): Post | null {
  const scope = (root?.closest('[itemscope][itemtype]') && POST_TYPES.test(typeName(root.closest('[itemscope][itemtype]')!)) ? root.closest('[itemscope][itemtype]') : null)
    ?? qa(root ?? doc, '[itemscope][itemtype]').find((e) => POST_TYPES.test(typeName(e)));
  if (!scope) return null;
  // Properties of this item only, not of nested items (except the author, which is its own item).
  const own = (name: string): Element | null =>
    qa(scope, `[itemprop~="${name}"]`).find((e) => e.parentElement?.closest('[itemscope]') === scope) ?? null;
  const val = (e: Element | null): string | null =>
    !e ? null : attr(e, 'content') ?? attr(e, 'datetime') ?? attr(e, 'href') ?? attr(e, 'src') ?? textOf(e);
  const p = emptyPost(platform, absUrl(val(own('url')), url) ?? url.href);
  const author = own('author') ?? own('creator');
  if (author) {
    if (author.hasAttribute('itemscope')) {
      const sub = (n: string): string | null => val(qa(author, `[itemprop~="${n}"]`)[0] ?? null);
      p.author.name = clean(sub('name'));
      p.author.url = absUrl(sub('url'), url);
      p.author.id = clean(sub('identifier')) ?? clean(sub('alternateName'));
    } else p.author.name = clean(val(author));
  }
  p.title = clean(val(own('headline')) ?? val(own('name')));
  p.text = textOf(own('articleBody')) ?? textOf(own('text')) ?? clean(val(own('description')));
  const when = val(own('datePublished')) ?? val(own('dateCreated')) ?? val(own('uploadDate'));
  p.publishedAtText = when;
  p.publishedAt = when ? resolveRelativeTime(when, ctx.capturedAt, '+00:00') : null;
  p.id = clean(val(own('identifier')));
  for (const e of qa(scope, '[itemprop~="image"]')) pushMedia(p.media, absUrl(val(e), url), 'image');
  for (const e of qa(scope, '[itemprop~="contentUrl"]')) pushMedia(p.media, absUrl(val(e), url), 'video');
  p.metrics.comments = clean(val(own('commentCount')));
  p.metrics.likes = clean(val(own('upvoteCount')));
  return p;
}

function typeName(e: Element): string {
  return (e.getAttribute('itemtype') ?? '').split(/\s+/)[0]!.replace(/^https?:\/\/schema\.org\//, '');
}

function fromOpenGraph(doc: Document, platform: PostPlatform, url: URL, ctx: AdapterContext): Post | null {
  const ogType = meta(doc, 'og:type');
  const title = meta(doc, 'og:title') ?? meta(doc, 'twitter:title');
  const desc = meta(doc, 'og:description') ?? meta(doc, 'twitter:description') ?? meta(doc, 'description');
  // A page is post-like to OpenGraph when it says it is an article or video, or has article:* fields.
  const when = meta(doc, 'article:published_time') ?? meta(doc, 'og:release_date');
  if (!(ogType && /^(article|video)/.test(ogType)) && !when) return null;
  const p = emptyPost(platform, absUrl(meta(doc, 'og:url'), url) ?? url.href);
  p.title = clean(title);
  p.text = clean(desc);
  p.author.name = clean(meta(doc, 'article:author') ?? meta(doc, 'author'));
  if (p.author.name && /^https?:/.test(p.author.name)) {
    p.author.url = p.author.name;
    p.author.name = null;
  }
  p.publishedAtText = when;
  p.publishedAt = when ? resolveRelativeTime(when, ctx.capturedAt, '+00:00') : null;
  for (const e of qa(doc, 'meta[property="og:image"], meta[property="og:image:url"]')) pushMedia(p.media, absUrl(attr(e, 'content'), url), 'image');
  for (const e of qa(doc, 'meta[property="og:video"], meta[property="og:video:url"]')) pushMedia(p.media, absUrl(attr(e, 'content'), url), 'video');
  return p;
}

/** Generic fields, or null when the page does not describe a post or article at all. */
export function extractGeneric(doc: Document, url: URL, ctx: AdapterContext, platform: PostPlatform = 'generic'): Post | null {
  const ld = readJsonLdObjects(doc).find((o) => types(o).some((t) => POST_TYPES.test(t)));
  const fromLd = ld ? fromJsonLd(ld, platform, url, ctx) : null;
  const md = fromMicrodata(doc, platform, url, ctx, ctx.root);
  const og = fromOpenGraph(doc, platform, url, ctx);
  const all = [fromLd, md, og].filter((p): p is Post => p !== null);
  if (all.length === 0) return null;
  // Fill gaps in the most trusted source from the others.
  const best = { ...all[0]! };
  for (const other of all.slice(1)) {
    for (const k of ['id', 'title', 'text', 'publishedAt', 'publishedAtText'] as const) best[k] ??= other[k];
    best.author = {
      name: best.author.name ?? other.author.name,
      id: best.author.id ?? other.author.id,
      url: best.author.url ?? other.author.url,
    };
    if (best.media.length === 0) best.media = other.media;
  }
  return best;
}

export const genericAdapter: SiteAdapter = {
  platform: 'generic',
  matches: () => true,
  extract: (doc, url, ctx) => extractGeneric(doc, url, ctx),
};
