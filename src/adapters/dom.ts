/**
 * Small DOM helpers shared by the adapters. No layout APIs (innerText would drop folded text hidden
 * by CSS and differs between browsers and linkedom), no script execution.
 */
import type { Post, PostMedia, PostPlatform, PostStatus } from '../bundle/format';

const BLOCK = new Set([
  'ADDRESS', 'ARTICLE', 'ASIDE', 'BLOCKQUOTE', 'DD', 'DIV', 'DL', 'DT', 'FIELDSET', 'FIGCAPTION', 'FIGURE',
  'FOOTER', 'FORM', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'HEADER', 'HR', 'LI', 'MAIN', 'NAV', 'OL', 'P', 'PRE',
  'SECTION', 'TABLE', 'TR', 'UL',
]);
const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'BUTTON']);

/**
 * Readable text of an element: block elements and <br> become line breaks, runs of spaces collapse.
 * `skip` removes sub-trees (e.g. the nested repost card, which becomes `quoted`, or fold buttons).
 */
export function textOf(el: Element | DocumentFragment | null | undefined, skip?: (e: Element) => boolean): string | null {
  if (!el) return null;
  let out = '';
  const walk = (n: Node): void => {
    if (n.nodeType === 3) {
      out += (n.nodeValue ?? '').replace(/[ \t\r\n\f]+/g, ' ');
      return;
    }
    if (n.nodeType === 11) {
      for (const c of Array.from(n.childNodes)) walk(c);
      return;
    }
    if (n.nodeType !== 1) return;
    const e = n as Element;
    const tag = e.tagName.toUpperCase();
    if (SKIP.has(tag) || skip?.(e)) return;
    if (tag === 'BR') {
      out += '\n';
      return;
    }
    if (tag === 'IMG') {
      // Emoji images (Weibo, WeChat) carry their meaning in alt text like "[哭]".
      const alt = e.getAttribute('alt');
      if (alt && /^\[.{1,8}\]$/.test(alt)) out += alt;
      return;
    }
    const block = BLOCK.has(tag);
    if (block) out += '\n';
    for (const c of Array.from(e.childNodes)) walk(c);
    if (block) out += '\n';
  };
  walk(el);
  const text = out
    .split('\n')
    .map((l) => l.replace(/ +/g, ' ').trim())
    // One line per block or <br>: blank lines depend on markup nesting, not on what the author wrote.
    .filter((l) => l !== '')
    .join('\n')
    .trim();
  return text || null;
}

export function q(root: ParentNode | null | undefined, selectors: string | string[]): Element | null {
  if (!root) return null;
  for (const s of Array.isArray(selectors) ? selectors : [selectors]) {
    const e = root.querySelector(s);
    if (e) return e;
  }
  return null;
}

export function qa(root: ParentNode | null | undefined, selector: string): Element[] {
  return root ? Array.from(root.querySelectorAll(selector)) : [];
}

export function attr(el: Element | null | undefined, name: string): string | null {
  const v = el?.getAttribute(name);
  return v === null || v === undefined || v.trim() === '' ? null : v.trim();
}

export function meta(doc: Document, key: string): string | null {
  return attr(doc.querySelector(`meta[property="${key}"], meta[name="${key}"], meta[itemprop="${key}"]`), 'content');
}

/** Absolute http(s) URL, or null for data:, blob:, javascript: and junk. */
export function absUrl(href: string | null | undefined, base: URL | string): string | null {
  if (!href) return null;
  try {
    const u = new URL(href.trim(), base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

export function clean(s: string | null | undefined): string | null {
  const t = s?.replace(/\s+/g, ' ').trim();
  return t ? t : null;
}

export function emptyPost(platform: PostPlatform, url: URL | string | null): Post {
  return {
    platform,
    id: null,
    url: url === null ? null : String(url),
    author: { name: null, id: null, url: null },
    title: null,
    text: null,
    publishedAt: null,
    publishedAtText: null,
    media: [],
    metrics: { reposts: null, comments: null, likes: null },
    quoted: null,
    status: 'available',
  };
}

export function mediaItem(url: string, type: PostMedia['type']): PostMedia {
  return { url, type, path: null, sha256: null };
}

/** Adds media, skipping duplicates (the same picture often appears as thumbnail and lightbox). */
export function pushMedia(list: PostMedia[], url: string | null, type: PostMedia['type']): void {
  if (url && !list.some((m) => m.url === url)) list.push(mediaItem(url, type));
}

/** The first notice in `table` found in the text decides the status. Order matters: specific first. */
export function statusFromText(text: string | null, table: ReadonlyArray<readonly [RegExp, PostStatus]>): PostStatus | null {
  if (!text) return null;
  for (const [re, status] of table) if (re.test(text)) return status;
  return null;
}

/** Text of the page outside scripts, for finding notices. */
export function pageText(doc: Document, root?: Element): string {
  return textOf(root ?? doc.body ?? doc.documentElement) ?? '';
}

/** A counter as the page shows it ("1.2万", "12"), without labels like "转发" when they stand alone. */
export function metricText(s: string | null | undefined, labels: RegExp = /^(转发|评论|赞|点赞|分享|收藏|Reply|Repost|Like|Share)$/i): string | null {
  const t = clean(s);
  if (!t || labels.test(t)) return null;
  const m = /(\d[\d,.]*\s*[万亿KkMm]?)/.exec(t);
  return m ? m[1]!.replace(/\s+/g, '') : null;
}

/** Reads the first JSON-looking value assigned in inline script text, e.g. `var $render_data = [...]`. Never executes it. */
export function scriptJson(doc: Document, re: RegExp): unknown {
  for (const s of qa(doc, 'script')) {
    const m = re.exec(s.textContent ?? '');
    if (!m) continue;
    try {
      return JSON.parse(m[1]!);
    } catch {
      /* not strict JSON: ignore */
    }
  }
  return null;
}

/** A string assigned in inline script text: `var ct = "1655086860";` → "1655086860". */
export function scriptString(doc: Document, name: string): string | null {
  const re = new RegExp(`(?:var|let|const)?\\s*\\b${name.replace(/[$]/g, '\\$')}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`);
  for (const s of qa(doc, 'script')) {
    const m = re.exec(s.textContent ?? '');
    if (m) return (m[1] ?? m[2] ?? '').trim() || null;
  }
  return null;
}

export function closestOrSelf(el: Element | undefined, selector: string): Element | null {
  if (!el) return null;
  return el.closest(selector) ?? el.querySelector(selector);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Clicks fold buttons ("展开全文", "Show more", "阅读全文") and waits briefly for the text to grow.
 * Bounded: ≤ `budgetMs` overall (3 s), ≤ 700 ms per fold. Links that would navigate away (real
 * hrefs) are not clicked: the capture must stay on the page that was asked for.
 */
export async function clickExpanders(
  scope: ParentNode,
  isExpander: (e: Element) => boolean,
  opts: { budgetMs?: number; perClickMs?: number; max?: number } = {},
): Promise<number> {
  const deadline = Date.now() + (opts.budgetMs ?? 3000);
  const perClick = opts.perClickMs ?? 700;
  const max = opts.max ?? 20;
  const done = new Set<Element>();
  let expanded = 0;
  const sizeOf = (): number => ((scope as Element).textContent ?? (scope as Document).body?.textContent ?? '').length;
  for (let round = 0; round < max && Date.now() < deadline; round++) {
    const target = qa(scope, 'a, button, span, div[role="button"], div[class*="expand"], div[class*="more"], i').find(
      // Skip the clicked element's ancestors and descendants too: clicking both a button and its
      // inner span would fold the text again.
      (e) => ![...done].some((d) => d === e || d.contains(e) || e.contains(d)) && isExpander(e) && !navigates(e),
    );
    if (!target) break;
    done.add(target);
    const before = sizeOf();
    try {
      (target as HTMLElement).click();
    } catch {
      continue;
    }
    const until = Math.min(deadline, Date.now() + perClick);
    while (Date.now() < until && sizeOf() <= before && target.isConnected !== false) await sleep(50);
    if (sizeOf() > before || !target.isConnected) expanded++;
  }
  return expanded;
}

function navigates(e: Element): boolean {
  const a = e.closest('a[href]');
  if (!a) return false;
  const h = (a.getAttribute('href') ?? '').trim();
  return !(h === '' || h === '#' || h.startsWith('javascript:'));
}

/** The element's own label, ignoring descendants' long text: a fold button is short. */
export function labelIs(e: Element, re: RegExp): boolean {
  const t = clean(e.textContent);
  return !!t && t.length <= 12 && re.test(t);
}

/** True when the URL is http(s) on one of the hosts (exact names, case-insensitive). */
export function hostIn(url: URL, hosts: readonly string[]): boolean {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return hosts.includes(url.hostname.toLowerCase().replace(/\.$/, ''));
}

/** Text of an HTML string from page data (e.g. Weibo's status.text), parsed inert in a <template>. */
export function htmlToText(doc: Document, html: string | null | undefined): string | null {
  if (!html) return null;
  const t = doc.createElement('template');
  t.innerHTML = html;
  return textOf(t.content);
}
