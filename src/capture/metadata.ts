/**
 * Page metadata read from a live DOM (content script) or a parsed document (tests, CLI).
 *
 * Every field is chosen independently from the first source that has a usable value; `sources`
 * records which one, so a reader of the evidence can tell "the page said so in its JSON-LD" from
 * "we guessed from the <title>". The page is hostile: nothing here throws on bad markup or JSON,
 * strings are capped, and only a bounded amount of JSON-LD is parsed and kept.
 * docs/metadata.md lists the sources and their order.
 */
import type { PageInfo } from '../bundle/format';

export interface PageMetadataFields extends PageInfo {
  modifiedAt: string | null;
  keywords: string[];
  image: string | null;
  /** schema.org type of the main JSON-LD node (e.g. "NewsArticle"), else og:type. */
  type: string | null;
  /** Field name → where its value came from, e.g. { title: 'json-ld', author: 'meta:author' }. */
  sources: Record<string, string>;
  /** Parsed JSON-LD nodes (flattened, @graph expanded), at most MAX_JSONLD_CHARS of JSON in total. */
  jsonLd: unknown[];
  /** publishedAt / modifiedAt exactly as the page wrote them (normalisation may change the form). */
  publishedAtText: string | null;
  modifiedAtText: string | null;
}

/** Longest string kept for any one field. */
export const MAX_FIELD_CHARS = 2000;
/** Total JSON text of the JSON-LD nodes kept in `jsonLd`. */
export const MAX_JSONLD_CHARS = 64 * 1024;
const MAX_JSONLD_SCRIPTS = 64;
const MAX_JSONLD_SCRIPT_CHARS = 2_000_000;
const MAX_JSONLD_NODES = 512;
const MAX_KEYWORDS = 100;
const MAX_KEYWORD_CHARS = 200;
const MAX_MICRODATA = 500;

// ---------------------------------------------------------------------------------------------
// Small string helpers

const NAMED_ENTITIES: Record<string, string> = { quot: '"', amp: '&', apos: "'", lt: '<', gt: '>', nbsp: '\u00a0' };

/**
 * Sites often escape meta content twice (`&amp;quot;`), which leaves entities in the attribute value.
 * Decode the common ones once; invalid code points become U+FFFD as an HTML parser would.
 */
export function unescapeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s
    .replace(/&(quot|amp|apos|lt|gt|nbsp);/g, (_, n: string) => NAMED_ENTITIES[n] ?? '')
    .replace(/&#(?:x([0-9a-f]+)|([0-9]+));/gi, (_, hex: string | undefined, dec: string | undefined) => {
      const cp = hex !== undefined ? parseInt(hex, 16) : parseInt(dec ?? '', 10);
      if (!Number.isFinite(cp) || cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(cp);
    });
}

function cap(s: string, max = MAX_FIELD_CHARS): string {
  if (s.length <= max) return s;
  let out = s.slice(0, max);
  // Never leave half a surrogate pair at the end.
  const last = out.charCodeAt(out.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1);
  return out;
}

/** Decode stray entities, collapse whitespace, trim, cap. Empty → null. */
function clean(v: unknown): string | null {
  if (typeof v !== 'string') {
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    return null;
  }
  // Cap before the regexes too, so a megabyte attribute costs nothing.
  const s = cap(unescapeEntities(cap(v, MAX_FIELD_CHARS * 4)).replace(/\s+/g, ' ').trim());
  return s === '' ? null : s;
}

function looksLikeUrl(s: string): boolean {
  return /^(?:https?:)?\/\/\S+$/i.test(s) || /^www\.\S+\.\S+$/i.test(s);
}

/** Absolute http(s) URL or null. */
function resolveHttpUrl(raw: string | null, base: string): string | null {
  if (!raw) return null;
  try {
    const u = new URL(raw, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? cap(u.href) : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Dates

const EN_MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
};
/** Zone abbreviations with one common meaning; CST is handled separately (China vs US Central). */
const ZONE_ABBR: Record<string, number> = {
  Z: 0, UT: 0, UTC: 0, GMT: 0, EST: -300, EDT: -240, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
  CET: 60, CEST: 120, BST: 60, JST: 540, KST: 540, HKT: 480, SGT: 480, AEST: 600, AEDT: 660,
};
const ZONE_RE = String.raw`(Z|[A-Z]{2,4}|(?:UTC|GMT)?\s*[+-]\s*\d{1,2}(?::?\d{2})?)`;

function isChineseLang(lang: string | null): boolean {
  return !!lang && /^zh\b/i.test(lang.trim());
}

/** Minutes east of UTC, undefined when the zone is unknown or ambiguous. */
function zoneOffset(z: string, zh: boolean): number | undefined {
  const t = z.replace(/\s+/g, '').toUpperCase();
  if (t === 'CST') return zh ? 480 : -360;
  if (t in ZONE_ABBR) return ZONE_ABBR[t];
  const m = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(t);
  if (!m) return undefined;
  const h = Number(m[2]);
  const min = Number(m[3] ?? 0);
  if (h > 14 || min > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (h * 60 + min);
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function buildDate(
  y: number, mo: number, d: number,
  time: { h: number; mi: number; s: number; ms: number } | null,
  zone: string | undefined, zh: boolean, info: { assumedZone: string | null },
): string | null {
  if (y < 1000 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCMonth() !== mo - 1) return null; // e.g. 31 June
  if (!time) return `${pad(y, 4)}-${pad(mo)}-${pad(d)}`;
  const { h, mi, s, ms } = time;
  if (h > 24 || mi > 59 || s > 60 || (h === 24 && (mi || s))) return null;
  let offset: number | undefined;
  if (zone !== undefined && zone !== '') {
    offset = zoneOffset(zone, zh);
    if (offset === undefined) return null;
  } else if (zh) {
    offset = 480; // Chinese page, no zone: Beijing time.
    info.assumedZone = '+08:00';
  }
  if (offset === undefined) {
    // Without a zone the instant is unknown: keep the wall-clock time, ISO-shaped, without a Z.
    return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(Math.min(s, 59))}`;
  }
  const t = Date.UTC(y, mo - 1, d, h, mi, Math.min(s, 59), ms) - offset * 60_000;
  return new Date(t).toISOString();
}

function fraction(f: string | undefined): number {
  return f ? Math.round(Number(`0.${f.slice(0, 9)}`) * 1000) : 0;
}

const NUMERIC_DATE = new RegExp(
  String.raw`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?` +
    String.raw`(?:(?:\s*T\s*|\s+|,\s*|(?<=[日号]))(?:(上午|下午|早上|晚上|凌晨|中午)\s*)?(\d{1,2})\s*[:：时時点點]\s*(\d{1,2})\s*分?` +
    String.raw`(?:\s*[:：]?\s*(\d{1,2})(?:[.,](\d{1,9}))?\s*秒?)?\s*(am|pm|a\.m\.|p\.m\.)?)?` +
    String.raw`\s*(?:\(?${ZONE_RE}\)?)?$`,
  'i',
);
const MONTH_NAME_DATE = new RegExp(
  String.raw`^(?:[a-z]+\.?,?\s+)?(?:([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})|(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?,?\s+(\d{4}))` +
    String.raw`(?:,?\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(am|pm|a\.m\.|p\.m\.)?)?\s*(?:\(?${ZONE_RE}\)?)?$`,
  'i',
);

function to24(h: number, marker: string | undefined): number {
  if (!marker) return h;
  const pm = /^(p|下午|晚上|中午)/i.test(marker);
  const am = /^(a|上午|早上|凌晨)/i.test(marker);
  if (pm && h < 12) return h + 12;
  if (am && h === 12) return 0;
  return h;
}

/**
 * Normalise a date as written on a page: with a known zone → UTC ISO 8601 with Z; Chinese page
 * (lang zh*) without zone → read as +08:00; date only → YYYY-MM-DD; time without zone on other
 * pages → ISO local time without Z. Anything else is returned as given (trimmed), never dropped.
 */
export function normalizeDate(raw: string, lang: string | null = null): string {
  return parsePageDate(raw, lang).value;
}

/** normalizeDate, plus the zone we assumed when the page gave none (so the record can say so). */
export function parsePageDate(raw: string, lang: string | null = null): { value: string; assumedZone: string | null } {
  const info = { assumedZone: null as string | null };
  const value = normalizeInto(raw, lang, info);
  return { value, assumedZone: value.endsWith('Z') ? info.assumedZone : null };
}

function normalizeInto(raw: string, lang: string | null, info: { assumedZone: string | null }): string {
  const given = clean(raw);
  if (!given) return '';
  const zh = isChineseLang(lang);
  // Full-width digits and colons appear on Chinese pages.
  const s = given
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/：/g, ':')
    .trim();

  if (/^\d{10}(\d{3})?$/.test(s)) {
    const ms = s.length === 10 ? Number(s) * 1000 : Number(s);
    const y = new Date(ms).getUTCFullYear();
    return y >= 1995 && y <= 2100 ? new Date(ms).toISOString() : given;
  }

  let m = NUMERIC_DATE.exec(s);
  if (m) {
    const time = m[5] !== undefined
      ? { h: to24(Number(m[5]), m[4] ?? m[9]), mi: Number(m[6]), s: Number(m[7] ?? 0), ms: fraction(m[8]) }
      : null;
    return buildDate(Number(m[1]), Number(m[2]), Number(m[3]), time, m[10], zh, info) ?? given;
  }
  m = MONTH_NAME_DATE.exec(s);
  if (m) {
    const monthName = (m[1] ?? m[5] ?? '').toLowerCase();
    const mo = EN_MONTHS[monthName.slice(0, monthName.startsWith('sept') ? 4 : 3)];
    const full = Object.keys(EN_MONTHS).some((k) => k.startsWith(monthName.slice(0, 3)));
    if (mo && full) {
      const time = m[7] !== undefined
        ? { h: to24(Number(m[7]), m[11]), mi: Number(m[8]), s: Number(m[9] ?? 0), ms: fraction(m[10]) }
        : null;
      return buildDate(Number(m[3] ?? m[6]), mo, Number(m[2] ?? m[4]), time, m[12], zh, info) ?? given;
    }
  }
  return given;
}

// ---------------------------------------------------------------------------------------------
// JSON-LD

type Node = Record<string, unknown>;

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseLenient(text: string): unknown {
  const t = text
    .replace(/^\s*(?:<!--|<!\[CDATA\[)/, '')
    .replace(/(?:-->|\]\]>)\s*$/, '')
    .replace(/^\s*\/\/[^\n]*\n/, '')
    .trim();
  if (!t) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    // Raw newlines/tabs inside strings are the most common JSON-LD error; between tokens a space
    // means the same, so replacing every control character is safe.
    try {
      return JSON.parse(t.replace(/[\u0000-\u001f]+/g, ' '));
    } catch {
      return undefined;
    }
  }
}

function flattenInto(v: unknown, out: Node[], depth: number): void {
  if (out.length >= MAX_JSONLD_NODES || depth > 8) return;
  if (Array.isArray(v)) {
    for (const item of v) flattenInto(item, out, depth + 1);
    return;
  }
  if (!isNode(v)) return;
  const graph = v['@graph'];
  if (graph !== undefined) {
    // A top-level node that carries a type besides its graph is a node too.
    if (v['@type'] !== undefined) {
      const { ['@graph']: _g, ...rest } = v;
      out.push(rest);
    }
    flattenInto(graph, out, depth + 1);
    return;
  }
  out.push(v);
}

/**
 * Every JSON-LD node on the page: each `<script type="application/ld+json">` parsed (bad JSON is
 * skipped), top-level arrays and `@graph` arrays expanded, in document order.
 */
export function readJsonLd(doc: Document): Record<string, unknown>[] {
  const out: Node[] = [];
  let scripts: HTMLCollectionOf<HTMLScriptElement>;
  try {
    scripts = doc.getElementsByTagName('script');
  } catch {
    return out;
  }
  let seen = 0;
  for (let i = 0; i < scripts.length && seen < MAX_JSONLD_SCRIPTS; i++) {
    const el = scripts[i];
    if (!el) continue;
    const type = (el.getAttribute('type') ?? '').trim().toLowerCase();
    if (!type.startsWith('application/ld+json')) continue;
    seen++;
    const text = el.textContent ?? '';
    if (text.length > MAX_JSONLD_SCRIPT_CHARS) continue;
    flattenInto(parseLenient(text), out, 0);
  }
  return out;
}

/** Local names of a node's @type: "http://schema.org/NewsArticle" and "schema:NewsArticle" → "NewsArticle". */
function typesOf(node: Node): string[] {
  const t = node['@type'];
  const list = Array.isArray(t) ? t : [t];
  return list
    .filter((x): x is string => typeof x === 'string')
    .map((x) => x.trim().replace(/^.*[/:#]/, ''))
    .filter(Boolean);
}

const ARTICLE_TYPES = new Set([
  'Article', 'NewsArticle', 'AnalysisNewsArticle', 'AskPublicNewsArticle', 'BackgroundNewsArticle',
  'OpinionNewsArticle', 'ReportageNewsArticle', 'ReviewNewsArticle', 'BlogPosting', 'LiveBlogPosting',
  'SocialMediaPosting', 'DiscussionForumPosting', 'ScholarlyArticle', 'MedicalScholarlyArticle',
  'TechArticle', 'APIReference', 'Report', 'SatiricalArticle', 'AdvertiserContentArticle', 'Review',
  'CriticReview', 'Recipe', 'VideoObject', 'Legislation', 'Chapter', 'Book', 'CreativeWork',
]);
const PAGE_TYPES = new Set([
  'WebPage', 'ItemPage', 'AboutPage', 'CheckoutPage', 'CollectionPage', 'ContactPage', 'FAQPage',
  'MedicalWebPage', 'ProfilePage', 'QAPage', 'RealEstateListing', 'SearchResultsPage',
]);

interface JsonLdView {
  /** Article-like nodes first, then web-page nodes: the ones that describe this page. */
  main: Node[];
  byId: Map<string, Node>;
  nodes: Node[];
}

function viewOf(nodes: Node[]): JsonLdView {
  const byId = new Map<string, Node>();
  for (const n of nodes) {
    const id = n['@id'];
    if (typeof id === 'string' && !byId.has(id)) byId.set(id, n);
  }
  const articles = nodes.filter((n) => typesOf(n).some((t) => ARTICLE_TYPES.has(t)));
  // CreativeWork and the like are weak; a specific article type wins.
  articles.sort((a, b) => rank(a) - rank(b));
  const pages = nodes.filter((n) => typesOf(n).some((t) => PAGE_TYPES.has(t)) && !articles.includes(n));
  return { main: [...articles, ...pages], byId, nodes };
}

function rank(n: Node): number {
  const t = typesOf(n);
  if (t.some((x) => x === 'CreativeWork' || x === 'Book' || x === 'Chapter')) return 2;
  if (t.some((x) => x === 'VideoObject' || x === 'Recipe' || x === 'Review' || x === 'CriticReview')) return 1;
  return 0;
}

function deref(v: unknown, view: JsonLdView): unknown {
  if (isNode(v) && typeof v['@id'] === 'string' && Object.keys(v).length === 1) return view.byId.get(v['@id']) ?? v;
  return v;
}

/** A person or organisation (or list of them) as display names joined by ", ". */
function namesOf(v: unknown, view: JsonLdView): string | null {
  const list = Array.isArray(v) ? v : [v];
  const names: string[] = [];
  for (const raw of list.slice(0, 50)) {
    const item = deref(raw, view);
    let name: string | null = null;
    if (typeof item === 'string') name = clean(item);
    else if (isNode(item)) {
      name = clean(item.name) ?? clean(typeof item.name === 'object' ? firstString(item.name) : null);
      if (!name) {
        const given = clean(item.givenName);
        const family = clean(item.familyName);
        name = given && family ? `${given} ${family}` : (given ?? family);
      }
    }
    if (name && !looksLikeUrl(name) && !names.includes(name)) names.push(name);
  }
  return names.length ? cap(names.join(', ')) : null;
}

function firstString(v: unknown): string | null {
  if (typeof v === 'string') return clean(v);
  if (Array.isArray(v)) {
    for (const x of v) {
      const s = firstString(x);
      if (s) return s;
    }
    return null;
  }
  if (isNode(v) && '@value' in v) return firstString(v['@value']);
  return null;
}

function urlOf(v: unknown, view: JsonLdView): string | null {
  const item = deref(Array.isArray(v) ? v[0] : v, view);
  if (typeof item === 'string') return clean(item);
  if (isNode(item)) return clean(item.url) ?? clean(item.contentUrl) ?? clean(item['@id']);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Meta tags: one pass, keyed by lower-cased name / property / itemprop

type MetaMap = Map<string, string[]>;

function readMeta(doc: Document): MetaMap {
  const map: MetaMap = new Map();
  const add = (key: string, value: string) => {
    const k = key.toLowerCase().replace(/\s+/g, '');
    if (!k) return;
    const list = map.get(k);
    if (list) {
      if (list.length < 100) list.push(value);
    } else map.set(k, [value]);
  };
  const metas = doc.getElementsByTagName('meta');
  for (let i = 0; i < metas.length && i < 5000; i++) {
    const el = metas[i];
    if (!el) continue;
    const content = el.getAttribute('content') ?? el.getAttribute('value');
    if (content === null || content.trim() === '') continue;
    const property = el.getAttribute('property');
    const name = el.getAttribute('name');
    const itemprop = el.getAttribute('itemprop');
    const equiv = el.getAttribute('http-equiv');
    // `property` is a space-separated list; "og : title" style spacing is folded by add().
    if (property) for (const p of property.replace(/\s*:\s*/g, ':').split(/\s+/)) add(p, content);
    if (name) add(name, content);
    if (itemprop) for (const p of itemprop.split(/\s+/)) add(`itemprop:${p}`, content);
    if (equiv) add(`http-equiv:${equiv}`, content);
  }
  return map;
}

function dcKeys(term: string): string[] {
  return ['dc', 'dcterms', 'dcterm'].flatMap((p) => [`${p}.${term}`, `${p}:${term}`]);
}

// ---------------------------------------------------------------------------------------------
// DOM: <link>, <time>, microdata

interface DomHints {
  canonical: string | null;
  imageSrc: string | null;
  relAuthor: string | null;
  itemprops: Map<string, string>;
  timeDatetime: string | null;
}

function emptyHints(): DomHints {
  return { canonical: null, imageSrc: null, relAuthor: null, itemprops: new Map(), timeDatetime: null };
}

function textOf(el: Element): string | null {
  return clean(el.textContent ?? '');
}

function readDom(doc: Document): DomHints {
  const hints = emptyHints();
  const links = doc.getElementsByTagName('link');
  for (let i = 0; i < links.length && i < 2000; i++) {
    const el = links[i];
    if (!el) continue;
    const rel = (el.getAttribute('rel') ?? '').toLowerCase().split(/\s+/);
    const href = el.getAttribute('href');
    if (!href) continue;
    if (!hints.canonical && rel.includes('canonical')) hints.canonical = href.trim();
    if (!hints.imageSrc && rel.includes('image_src')) hints.imageSrc = href.trim();
  }
  // One query for every remaining DOM hint.
  let els: ArrayLike<Element> = [];
  try {
    els = doc.querySelectorAll('[itemprop], time[datetime], a[rel]');
  } catch {
    /* a DOM without selector support: the hints stay empty */
  }
  for (let i = 0; i < els.length && i < MAX_MICRODATA; i++) {
    const el = els[i];
    if (!el) continue;
    const tag = el.tagName.toLowerCase();
    if (tag === 'meta') continue; // already read with the other meta tags
    if (tag === 'time' && !hints.timeDatetime) hints.timeDatetime = el.getAttribute('datetime');
    if (tag === 'a' && !hints.relAuthor && (el.getAttribute('rel') ?? '').toLowerCase().split(/\s+/).includes('author')) {
      hints.relAuthor = textOf(el);
    }
    const props = el.getAttribute('itemprop');
    if (!props) continue;
    for (const p of props.toLowerCase().split(/\s+/)) {
      if (hints.itemprops.has(p)) continue;
      let value: string | null;
      if (p === 'author' || p === 'creator' || p === 'publisher') {
        // <span itemprop="author" itemscope><span itemprop="name">…</span></span>
        const nameEl = el.querySelector('[itemprop~="name"]');
        value = clean(el.getAttribute('content')) ?? (nameEl ? textOf(nameEl) : textOf(el));
      } else {
        value = el.getAttribute('datetime') ?? el.getAttribute('content') ?? textOf(el);
      }
      const v = clean(value);
      if (v) hints.itemprops.set(p, v);
    }
  }
  return hints;
}

// ---------------------------------------------------------------------------------------------
// Extraction

type Candidate = [source: string, value: string | null | undefined];

const FIELD_KEYS = {
  title: [
    'og:title', 'twitter:title', ...dcKeys('title'), 'citation_title', 'parsely-title', 'sailthru.title',
    'title', 'articletitle', 'weibo:article:title', 'weibo:webpage:title', 'headline',
  ],
  author: [
    'article:author', 'og:article:author', 'book:author', ...dcKeys('creator'), 'author', 'parsely-author',
    'sailthru.author', 'citation_author', 'byl', 'articleauthor', 'weibo:article:author', 'itemprop:author',
  ],
  published: [
    'article:published_time', 'og:article:published_time', 'og:published_time', 'og:release_date',
    'video:release_date', ...dcKeys('date.issued'), ...dcKeys('issued'), ...dcKeys('date'), ...dcKeys('created'),
    'citation_publication_date', 'citation_date', 'citation_online_date', 'parsely-pub-date', 'sailthru.date',
    'publishdate', 'publish_date', 'publish-date', 'publishtime', 'publish_time', 'pubdate', 'pubtime',
    'publication_date', 'date', 'article.published', 'article:published', 'weibo:article:create_at',
    'weibo:webpage:create_at', 'bytedance:published_time', 'apub:time', 'itemprop:datepublished',
  ],
  modified: [
    'article:modified_time', 'og:article:modified_time', 'og:updated_time', ...dcKeys('date.modified'),
    ...dcKeys('modified'), 'parsely-updated', 'last-modified', 'lastmod', 'revised', 'article.updated',
    'weibo:article:update_at', 'itemprop:datemodified', 'http-equiv:last-modified',
  ],
  description: [
    'og:description', 'twitter:description', ...dcKeys('description'), ...dcKeys('abstract'), 'description',
    'citation_abstract', 'sailthru.description', 'weibo:article:description', 'weibo:webpage:description',
  ],
  siteName: [
    'og:site_name', ...dcKeys('publisher'), 'citation_journal_title', 'citation_conference_title',
    'citation_publisher', 'sitename', 'application-name', 'apple-mobile-web-app-title',
  ],
  image: [
    'og:image', 'og:image:secure_url', 'og:image:url', 'twitter:image', 'twitter:image:src',
    'parsely-image-url', 'sailthru.image.full', 'itemprop:image', 'thumbnail',
  ],
  canonical: ['og:url', 'twitter:url', 'parsely-link', 'url'],
  lang: ['og:locale', ...dcKeys('language'), 'citation_language', 'language', 'http-equiv:content-language'],
  type: ['og:type', 'parsely-type'],
  keywords: [
    'news_keywords', 'keywords', 'article:tag', 'og:article:tag', 'parsely-tags', 'sailthru.tags',
    ...dcKeys('subject'), 'citation_keywords',
  ],
} as const;

/** Meta keys whose repeated tags together make one value (several authors). */
const MULTI_VALUED = new Set(['article:author', 'og:article:author', 'book:author', 'citation_author', 'dc.creator', 'dc:creator']);

function metaCandidates(meta: MetaMap, keys: readonly string[]): Candidate[] {
  const out: Candidate[] = [];
  for (const key of keys) {
    const values = meta.get(key);
    if (!values) continue;
    if (MULTI_VALUED.has(key) && values.length > 1) {
      const names = [...new Set(values.map(clean).filter((x): x is string => !!x && !looksLikeUrl(x)))];
      out.push([`meta:${key}`, names.join(', ')]);
    } else out.push([`meta:${key}`, values[0]]);
  }
  return out;
}

function pick(
  sources: Record<string, string>,
  field: string,
  candidates: Candidate[],
  accept: (v: string, source: string) => string | null = (v) => v,
): string | null {
  for (const [source, raw] of candidates) {
    const c = clean(raw);
    if (!c) continue;
    const v = accept(c, source);
    if (v) {
      sources[field] = source;
      return v;
    }
  }
  return null;
}

const TITLE_SEPARATORS = String.raw`\s*[-|–—_:·•»«/\\~]+\s*|\s+::\s+`;

/** "Story - Site" / "Site | Story" → "Story", only when `site` is the page's own name. */
export function stripSiteName(title: string, site: string | null): string {
  if (!site) return title;
  const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();
  const t = title;
  const siteN = norm(site);
  const esc = siteN.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const suffix = new RegExp(`(?:${TITLE_SEPARATORS})${esc}$`, 'i');
  const prefix = new RegExp(`^${esc}(?:${TITLE_SEPARATORS})`, 'i');
  const tn = t.replace(/\s+/g, ' ');
  for (const re of [suffix, prefix]) {
    const stripped = tn.replace(re, '').trim();
    if (stripped && stripped !== tn) return stripped;
  }
  return title;
}

/** Authors: no URLs (article:author is often a profile link), no "By " / "作者：" lead-in. */
function cleanAuthor(v: string): string | null {
  if (looksLikeUrl(v)) return null;
  const s = v
    .replace(/^(?:by|par|von|door|di|por|written by)\s+/i, '')
    .replace(/^(?:作者|文|记者|撰文|编辑|来源)\s*[:：/／|｜]\s*/, '')
    .trim();
  return s || null;
}

/**
 * Meta tags and JSON-LD are statements about the date, kept even when we cannot parse them; the text
 * of a <time> or microdata element may be anything ("12:55 AM"), so it counts only when it parses.
 */
function acceptDate(v: string, source: string): string | null {
  if (!source.startsWith('microdata:') && source !== 'time') return v;
  return /^\d{4}-\d{2}-\d{2}/.test(normalizeDate(v)) ? v : null;
}

function splitKeywords(v: unknown): string[] {
  const parts: string[] = [];
  const add = (s: unknown) => {
    if (typeof s !== 'string') return;
    for (const p of s.split(/[,，;；、|]/)) {
      const c = clean(p);
      if (c && parts.length < MAX_KEYWORDS * 2) parts.push(cap(c, MAX_KEYWORD_CHARS));
    }
  };
  if (Array.isArray(v)) v.slice(0, MAX_KEYWORDS * 2).forEach(add);
  else add(v);
  const seen = new Set<string>();
  return parts.filter((p) => !seen.has(p.toLowerCase()) && !!seen.add(p.toLowerCase())).slice(0, MAX_KEYWORDS);
}

/** A bounded copy: long strings (articleBody…) cut, long arrays and deep nesting dropped. */
function boundedCopy(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return cap(v);
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean' || v === null) return v;
  if (depth >= 12) return null;
  if (Array.isArray(v)) return v.slice(0, 100).map((x) => boundedCopy(x, depth + 1));
  if (isNode(v)) {
    const out: Node = {};
    for (const k of Object.keys(v).slice(0, 200)) out[cap(k, 200)] = boundedCopy(v[k], depth + 1);
    return out;
  }
  return null;
}

function capJsonLd(nodes: Node[]): unknown[] {
  const kept: unknown[] = [];
  let total = 2;
  for (const n of nodes) {
    // A fresh copy: the page's objects never leak into what we store.
    const copy = boundedCopy(n);
    const size = JSON.stringify(copy).length + 1;
    if (total + size > MAX_JSONLD_CHARS) continue; // a smaller node later may still fit
    total += size;
    kept.push(copy);
  }
  return kept;
}

/** Per-field priority: JSON-LD, OpenGraph, Twitter, Dublin Core, other meta, link/microdata/time, <html lang>, <title>. */
export function extractMetadata(doc: Document, url: string): PageMetadataFields {
  const sources: Record<string, string> = {};
  let nodes: Node[] = [];
  let meta: MetaMap = new Map();
  let dom: DomHints = emptyHints();
  try {
    nodes = readJsonLd(doc);
  } catch {
    /* hostile page: carry on with what other sources give */
  }
  try {
    meta = readMeta(doc);
  } catch {
    /* idem */
  }
  try {
    dom = readDom(doc);
  } catch {
    /* idem */
  }
  const view = viewOf(nodes);
  const main = view.main;
  const fromLd = (f: (n: Node) => unknown): Candidate[] =>
    main.map((n) => ['json-ld', (() => {
      try {
        const v = f(n);
        return typeof v === 'string' ? v : null;
      } catch {
        return null;
      }
    })()] as Candidate);
  const m = (keys: readonly string[]) => metaCandidates(meta, keys);

  let htmlTitle: string | null = null;
  try {
    const t = doc.getElementsByTagName('title')[0];
    htmlTitle = t ? clean(t.textContent ?? '') : null;
  } catch {
    /* none */
  }

  // lang first: the Chinese time-zone rule for dates depends on it. The document's own <html lang>
  // comes first here (a plugin default og:locale such as en_US is common on Chinese sites).
  let htmlLang: string | null = null;
  try {
    htmlLang = clean(doc.documentElement?.getAttribute('lang') ?? doc.documentElement?.getAttribute('xml:lang'));
  } catch {
    /* none */
  }
  const lang = pick(sources, 'lang', [
    ['html:lang', htmlLang],
    ...fromLd((n) => firstString(n.inLanguage) ?? (isNode(n.inLanguage) ? clean(n.inLanguage.name) : null)),
    ...m(FIELD_KEYS.lang),
  ], (v) => (/^[a-z]{2,3}(?:[-_][a-z0-9]{2,8})*$/i.test(v) ? v.replace(/_/g, '-') : null));

  const jsonTitle = (n: Node): string | null => {
    const headline = clean(n.headline);
    const name = clean(n.name);
    if (headline && name && headline !== name) {
      // Some sites put their own name in `name`: take whichever the page's <title>/og:title contains.
      const ref = `${htmlTitle ?? ''} ${clean(meta.get('og:title')?.[0]) ?? ''}`.toLowerCase();
      if (!ref.includes(headline.toLowerCase()) && ref.includes(name.toLowerCase())) return name;
      return headline;
    }
    return headline ?? name;
  };

  const siteName = pick(sources, 'siteName', [
    ...fromLd((n) => namesOf(n.publisher, view)),
    ...view.nodes.filter((n) => typesOf(n).includes('WebSite')).map((n) => ['json-ld', clean(n.name)] as Candidate),
    ...m(FIELD_KEYS.siteName),
    ['microdata:publisher', dom.itemprops.get('publisher')],
  ]);

  let title = pick(sources, 'title', [
    ...fromLd(jsonTitle),
    ...m(FIELD_KEYS.title),
    ['microdata:headline', dom.itemprops.get('headline')],
    ['title', htmlTitle],
  ]);
  if (title && sources.title === 'title') title = stripSiteName(title, siteName);

  const author = pick(sources, 'author', [
    ...fromLd((n) => namesOf(n.author ?? n.creator, view)),
    ...m(FIELD_KEYS.author),
    ['microdata:author', dom.itemprops.get('author')],
    ['link:author', dom.relAuthor],
  ], cleanAuthor);

  const publishedAtText = pick(sources, 'publishedAt', [
    ...fromLd((n) => firstString(n.datePublished) ?? firstString(n.dateCreated) ?? firstString(n.uploadDate)),
    ...m(FIELD_KEYS.published),
    ['microdata:datePublished', dom.itemprops.get('datepublished')],
    ['time', dom.timeDatetime],
  ], acceptDate);
  const modifiedAtText = pick(sources, 'modifiedAt', [
    ...fromLd((n) => firstString(n.dateModified)),
    ...m(FIELD_KEYS.modified),
    ['microdata:dateModified', dom.itemprops.get('datemodified')],
  ], acceptDate);

  const description = pick(sources, 'description', [
    ...fromLd((n) => clean(n.description)),
    ...m(FIELD_KEYS.description),
    ['microdata:description', dom.itemprops.get('description')],
  ]);

  // Many Chinese sites declare no language. Han text without kana or Hangul in the title or
  // description is taken as Chinese for reading zone-less dates only; `lang` itself stays null.
  const dateLang =
    lang ??
    (/[\u4e00-\u9fff]/.test(`${htmlTitle ?? ''}${title ?? ''}${description ?? ''}`) &&
    !/[\u3040-\u30ff\uac00-\ud7af]/.test(`${htmlTitle ?? ''}${title ?? ''}${description ?? ''}`)
      ? 'zh'
      : null);
  const dates = (text: string | null, field: 'publishedAt' | 'modifiedAt'): string | null => {
    if (!text) return null;
    const { value, assumedZone } = parsePageDate(text, dateLang);
    if (assumedZone) sources[`${field}Zone`] = `assumed ${assumedZone}`;
    return value;
  };
  const publishedAt = dates(publishedAtText, 'publishedAt');
  const modifiedAt = dates(modifiedAtText, 'modifiedAt');

  const toUrl = (v: string) => resolveHttpUrl(v, url);
  // rel=canonical is the page's own statement of its canonical address, so it leads here.
  const canonicalUrl = pick(sources, 'canonicalUrl', [
    ['link:canonical', dom.canonical],
    ...fromLd((n) => urlOf(n.url, view) ?? urlOf(n.mainEntityOfPage, view)),
    ...m(FIELD_KEYS.canonical),
  ], toUrl);

  const image = pick(sources, 'image', [
    ...fromLd((n) => urlOf(n.image, view) ?? clean(n.thumbnailUrl)),
    ...m(FIELD_KEYS.image),
    ['link:image_src', dom.imageSrc],
  ], toUrl);

  const mainType = main[0] ? (typesOf(main[0]).find((t) => ARTICLE_TYPES.has(t) || PAGE_TYPES.has(t)) ?? null) : null;
  const type = pick(sources, 'type', [['json-ld', mainType], ...m(FIELD_KEYS.type)]);

  let keywords: string[] = [];
  for (const n of main) {
    keywords = splitKeywords(n.keywords);
    if (keywords.length) {
      sources.keywords = 'json-ld';
      break;
    }
  }
  if (!keywords.length) {
    for (const key of FIELD_KEYS.keywords) {
      const values = meta.get(key);
      if (!values) continue;
      keywords = splitKeywords(values);
      if (keywords.length) {
        sources.keywords = `meta:${key}`;
        break;
      }
    }
  }

  return {
    title,
    canonicalUrl,
    author,
    publishedAt,
    siteName,
    lang,
    description,
    modifiedAt,
    keywords,
    image,
    type,
    sources,
    jsonLd: capJsonLd(nodes),
    publishedAtText,
    modifiedAtText,
  };
}
