/**
 * The readable text of a page, for the bundle's text.txt and for search. Mozilla Readability picks
 * the article when the page looks like one; otherwise (or when it fails) we take the body's visible
 * text. Readability rewrites the DOM it is given, and this runs on the page the user is looking at,
 * so it only ever gets a clone.
 */
import { isProbablyReaderable, Readability } from '@mozilla/readability';

export interface ReadableText {
  text: string;
  /** isProbablyReaderable's verdict on the page. */
  readerable: boolean;
  title: string | null;
  byline: string | null;
  excerpt: string | null;
  /** text.length, in UTF-16 code units. */
  length: number;
  /** Where `text` came from: Readability's article, or the whole body (added field). */
  source: 'readability' | 'body';
}

/** Readability gives up on bigger documents (it throws; we then fall back to the body text). */
const MAX_ELEMS_TO_PARSE = 100_000;
/** Readability output shorter than this is a failed extraction rather than an article. */
const MIN_ARTICLE_CHARS = 100;

const SKIP = new Set(['script', 'style', 'noscript', 'template', 'head', 'title', 'iframe', 'object', 'embed', 'svg', 'math', 'canvas', 'select', 'datalist']);
/** Elements that end a paragraph (blank line) … */
const PARAGRAPH = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'table', 'ul', 'ol', 'dl', 'figure', 'hr', 'section', 'article', 'header', 'footer', 'aside', 'nav', 'main', 'address', 'details', 'fieldset', 'form']);
/** … and elements that end a line. */
const LINE = new Set(['div', 'li', 'dt', 'dd', 'tr', 'figcaption', 'caption', 'summary', 'legend', 'option', 'center', 'body', 'html', 'dialog', 'menu', 'tbody', 'thead', 'tfoot', 'picture']);
const CELL = new Set(['td', 'th']);

// Han, kana, Hangul, CJK punctuation and full-width forms: no spaces between words.
const CJK = /[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]|[\ud840-\ud87f][\udc00-\udfff]/;

function isHidden(el: Element): boolean {
  if (el.hasAttribute('hidden') || el.getAttribute('aria-hidden') === 'true') return true;
  const style = el.getAttribute('style');
  return !!style && /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b/i.test(style);
}

/**
 * Text of a subtree with the paragraph structure a reader sees: block elements become line or
 * paragraph breaks, whitespace inside text collapses (kept in <pre>), tags disappear. Iterative, so
 * a hostile page nested a hundred thousand deep cannot overflow the stack.
 */
export function blockText(root: Node, opts: { skipHidden?: boolean } = {}): string {
  const out: Piece[] = [];
  type Frame = { node: Node; exit: boolean; pre: boolean };
  const stack: Frame[] = [{ node: root, exit: false, pre: false }];
  while (stack.length) {
    const { node, exit, pre } = stack.pop()!;
    if (node.nodeType === 3 /* text */ || node.nodeType === 4 /* CDATA */) {
      const t = node.nodeValue ?? '';
      if (t) out.push(pre ? { pre: t.replace(/\r\n?/g, '\n') } : collapse(t));
      continue;
    }
    if (node.nodeType !== 1 && node.nodeType !== 9 && node.nodeType !== 11) continue;
    const el = node as Element;
    const tag = node.nodeType === 1 ? el.tagName.toLowerCase() : '';
    if (exit) {
      if (PARAGRAPH.has(tag)) out.push(2);
      else if (LINE.has(tag)) out.push(1);
      else if (CELL.has(tag)) out.push('\t');
      continue;
    }
    if (tag) {
      if (SKIP.has(tag)) continue;
      if (opts.skipHidden && isHidden(el)) continue;
      if (tag === 'br') {
        out.push(1);
        continue;
      }
      if (PARAGRAPH.has(tag)) out.push(2);
      else if (LINE.has(tag)) out.push(1);
    }
    stack.push({ node, exit: true, pre });
    const inPre = pre || tag === 'pre' || tag === 'textarea';
    const kids = node.childNodes;
    for (let i = kids.length - 1; i >= 0; i--) {
      const k = kids[i];
      if (k) stack.push({ node: k, exit: false, pre: inPre });
    }
  }
  return assemble(out);
}

/** Text (whitespace already collapsed), preformatted text, or a break: 1 = newline, 2 = blank line. */
type Piece = string | { pre: string } | 1 | 2;

/** Whitespace runs → one space, or nothing for a line break between two CJK characters (CSS Text 3 §4.1.2). */
function collapse(t: string): string {
  return t.replace(/[ \t\n\r\f]+/g, (run, offset: number, whole: string) => {
    if (/[\n\r]/.test(run)) {
      const before = whole.slice(Math.max(0, offset - 2), offset);
      const after = whole.slice(offset + run.length, offset + run.length + 2);
      if (before && after && CJK.test(lastChar(before)) && CJK.test(firstChar(after))) return '';
    }
    return ' ';
  });
}

function lastChar(s: string): string {
  const cps = Array.from(s);
  return cps[cps.length - 1] ?? '';
}
function firstChar(s: string): string {
  return Array.from(s)[0] ?? '';
}

function assemble(parts: Piece[]): string {
  const lines: string[] = [];
  let line = '';
  let pending = 0;
  const endLine = () => {
    lines.push(line.replace(/[ \t]+$/, ''));
    line = '';
  };
  for (const p of parts) {
    if (p === 1 || p === 2) {
      pending = Math.max(pending, p);
      continue;
    }
    // Whitespace between blocks is not content: it must not open a line of its own.
    if (typeof p === 'string' && pending && p.trim() === '') continue;
    if (pending) {
      endLine();
      if (pending === 2) lines.push('');
      pending = 0;
    }
    if (typeof p === 'string') {
      line += line === '' || /[ \t]$/.test(line) ? p.replace(/^ +/, '') : p;
    } else {
      const [first = '', ...rest] = p.pre.split('\n');
      line += first;
      for (const r of rest) {
        endLine();
        line = r;
      }
    }
  }
  endLine();
  return lines
    .map((l) => (l.trim() === '' ? '' : l))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}

/**
 * True when `el` lives in a rendering browser, where innerText means "what is on screen".
 * DOM emulations (linkedom, jsdom) define innerText without layout, so they don't count.
 */
function hasLayout(el: Element): boolean {
  return typeof (el as HTMLElement & { checkVisibility?: unknown }).checkVisibility === 'function';
}

function bodyText(doc: Document): string {
  const body = doc.body ?? doc.documentElement;
  if (!body) return '';
  if (hasLayout(body)) {
    const t = (body as HTMLElement).innerText;
    if (typeof t === 'string') return t.replace(/\r\n?/g, '\n').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
  }
  return blockText(body, { skipHidden: true });
}

function cleanMeta(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const s = v.replace(/\s+/g, ' ').trim();
  return s ? s.slice(0, 2000) : null;
}

function docTitle(doc: Document): string | null {
  try {
    return cleanMeta(doc.getElementsByTagName('title')[0]?.textContent);
  } catch {
    return null;
  }
}

/** Readable text of `doc` (live page or parsed document); never throws for page content. */
export function extractReadableText(doc: Document, url: string): ReadableText {
  void url; // kept for callers; Readability resolves links from the document's own base URI.
  let readerable = false;
  try {
    readerable = isProbablyReaderable(doc);
  } catch {
    readerable = false;
  }
  if (readerable) {
    try {
      const clone = doc.cloneNode(true) as Document;
      const article = new Readability<Node>(clone, {
        maxElemsToParse: MAX_ELEMS_TO_PARSE,
        // Return the article element itself so we can walk it; no second HTML parse.
        serializer: (node) => node,
      }).parse();
      const text = article?.content ? blockText(article.content) : '';
      if (article && text.length >= MIN_ARTICLE_CHARS) {
        return {
          text,
          readerable,
          title: cleanMeta(article.title),
          byline: cleanMeta(article.byline),
          excerpt: cleanMeta(article.excerpt),
          length: text.length,
          source: 'readability',
        };
      }
    } catch {
      /* Readability failed on this page: the body text below is still evidence */
    }
  }
  let text = '';
  try {
    text = bodyText(doc);
  } catch {
    text = '';
  }
  return { text, readerable, title: docTitle(doc), byline: null, excerpt: null, length: text.length, source: 'body' };
}
