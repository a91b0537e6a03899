/**
 * Makes a serialized snapshot inert: opening it must run no script. SingleFile already drops page
 * scripts, but it inserts small helpers of its own (scroll restore, nesting fixes) and keeps frames as
 * srcdoc documents; we remove every executable path we know of and add a CSP that forbids scripts and
 * network access, so anything we miss still cannot run or phone home.
 */

export const SNAPSHOT_CSP =
  "default-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; " +
  "img-src data: blob:; media-src data: blob:; font-src data:; style-src 'unsafe-inline' data:; frame-src data: blob: about:";

const URL_ATTRIBUTES = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster', 'background', 'srcdoc'];
const DROP_ELEMENTS = 'script:not([type="application/ld+json"]), noscript, meta[http-equiv="refresh" i], base, object, embed, applet, portal';

export interface SanitizeStats {
  scripts: number;
  handlers: number;
  jsUrls: number;
}

function isJsUrl(value: string): boolean {
  // Browsers ignore ASCII whitespace and control characters when recognising the scheme.
  return /^javascript:/i.test(value.replace(/[\u0000-\u0020]/g, ''));
}

function sanitizeTree(root: Document | DocumentFragment | Element, parse: (html: string) => Document, stats: SanitizeStats, depth: number): void {
  for (const el of Array.from(root.querySelectorAll(DROP_ELEMENTS))) {
    el.remove();
    stats.scripts++;
  }
  for (const el of Array.from(root.querySelectorAll('*'))) {
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) {
        el.removeAttribute(attr.name);
        stats.handlers++;
      } else if (name === 'srcdoc' && depth < 8) {
        // Frames are kept as srcdoc documents: sanitize them as documents of their own.
        const inner = parse(attr.value);
        sanitizeTree(inner, parse, stats, depth + 1);
        addCsp(inner);
        el.setAttribute('srcdoc', serializeDocument(inner));
      } else if (URL_ATTRIBUTES.includes(name) && isJsUrl(attr.value)) {
        el.setAttribute(attr.name, '#');
        stats.jsUrls++;
      }
    }
    // SVG animation can rewrite an href into javascript: at run time.
    if ((el.localName === 'set' || el.localName === 'animate') && /href/i.test(el.getAttribute('attributeName') ?? '')) {
      el.remove();
      stats.jsUrls++;
    }
    if (el.localName === 'iframe' || el.localName === 'frame') {
      // A framed document must not be able to run script either, whatever its source.
      el.setAttribute('sandbox', '');
    }
    if (el.localName === 'template') sanitizeTree((el as HTMLTemplateElement).content, parse, stats, depth);
  }
}

function addCsp(doc: Document): void {
  for (const m of Array.from(doc.querySelectorAll('meta[http-equiv="content-security-policy" i]'))) m.remove();
  const meta = doc.createElement('meta');
  meta.setAttribute('http-equiv', 'Content-Security-Policy');
  meta.setAttribute('content', SNAPSHOT_CSP);
  const head = doc.head ?? doc.documentElement;
  head.insertBefore(meta, head.firstChild);
}

/**
 * The document's own doctype, public and system identifiers included, or nothing when it has none:
 * the doctype picks the rendering mode (a page without one, or with a legacy one, renders in quirks
 * or limited-quirks mode), so adding or shortening it changes the layout of the snapshot.
 */
export function doctypeString(doctype: DocumentType | null): string {
  if (!doctype) return '';
  const quote = (id: string) => (id.includes('"') ? `'${id}'` : `"${id}"`);
  let out = `<!DOCTYPE ${doctype.name}`;
  if (doctype.publicId) out += ` PUBLIC ${quote(doctype.publicId)}`;
  if (doctype.systemId) out += `${doctype.publicId ? '' : ' SYSTEM'} ${quote(doctype.systemId)}`;
  return `${out}>`;
}

export function serializeDocument(doc: Document): string {
  const doctype = doctypeString(doc.doctype);
  return doctype ? `${doctype}\n${doc.documentElement.outerHTML}` : doc.documentElement.outerHTML;
}

export function sanitizeSnapshotHtml(html: string, parse: (html: string) => Document): { html: string; stats: SanitizeStats } {
  const stats: SanitizeStats = { scripts: 0, handlers: 0, jsUrls: 0 };
  const doc = parse(html);
  sanitizeTree(doc, parse, stats, 0);
  addCsp(doc);
  // Keep SingleFile's leading comment (URL and save date) above the root, after the doctype if any.
  const comment = /^\s*(<!--[\s\S]*?-->)/.exec(html.replace(/^<!DOCTYPE[^>]*>\s*/i, ''))?.[1];
  const out = serializeDocument(doc);
  if (!comment) return { html: out, stats };
  const doctype = /^<!DOCTYPE[^>]*>\n/i.exec(out)?.[0] ?? '';
  return { html: `${doctype}${comment}\n${out.slice(doctype.length)}`, stats };
}
