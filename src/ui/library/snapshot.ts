/**
 * Showing captured HTML safely. Captured pages are hostile: they are shown only inside
 * <iframe sandbox=""> (no scripts, opaque origin: it can reach neither the extension nor its
 * storage), with a CSP that allows only inline/data resources so the page cannot reach the network
 * either (no tracking pixels telling the author who looks at their deleted post).
 */

export const SNAPSHOT_CSP =
  "default-src 'none'; img-src data: blob:; style-src 'unsafe-inline' data:; font-src data:; media-src data: blob:; form-action 'none'; base-uri 'none'";

const META_REFRESH = /<meta\b[^>]*http-equiv\s*=\s*["']?\s*refresh[^>]*>/giu;
const BASE_TAG = /<base\b[^>]*>/giu;

/**
 * The snapshot as served to the frame: meta refreshes and <base> removed (they could navigate the
 * frame or re-point relative URLs), and our CSP meta placed first, before anything that could load,
 * so the parser puts it in <head> and applies it to every later resource. The stored artifact bytes
 * are never changed; this is only the copy shown.
 */
export function hardenSnapshotHtml(html: string): string {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${SNAPSHOT_CSP}"><meta name="referrer" content="no-referrer">`;
  const body = html.replace(META_REFRESH, '').replace(BASE_TAG, '');
  const doctype = /^\s*<!doctype[^>]*>/iu.exec(body);
  if (doctype) return doctype[0] + meta + body.slice(doctype[0].length);
  return meta + body;
}

/** Attributes of the snapshot frame. Deliberately no allow-* token at all. */
export const SNAPSHOT_SANDBOX = '';

/**
 * Builds the sandboxed frame for a snapshot. The document comes from a blob: URL (made by `makeUrl`,
 * which the caller revokes when the view closes), not srcdoc: a srcdoc document always renders in
 * standards mode, so pages without a doctype or with an old one (quirks and limited-quirks mode,
 * common on older news sites) were laid out differently from the live page. With sandbox="" the
 * frame's origin stays opaque whatever its URL, and no script can run in it to read that URL.
 */
export function createSnapshotFrame(doc: Document, html: string, title: string, makeUrl: (b: Blob) => string): HTMLIFrameElement {
  const frame = doc.createElement('iframe');
  frame.setAttribute('sandbox', SNAPSHOT_SANDBOX);
  // CSP embedded enforcement (Chromium): the frame's document must also obey this policy.
  frame.setAttribute('csp', SNAPSHOT_CSP);
  frame.setAttribute('referrerpolicy', 'no-referrer');
  frame.setAttribute('loading', 'lazy');
  frame.dataset.testid = 'snapshot-frame';
  frame.title = title;
  frame.className = 'snapshot-frame';
  frame.src = makeUrl(new Blob([hardenSnapshotHtml(html)], { type: 'text/html;charset=utf-8' }));
  return frame;
}
