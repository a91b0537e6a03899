/**
 * Pages the browser does not let an extension read, told in plain words before we try.
 */
const STORE_HOSTS = ['chromewebstore.google.com', 'chrome.google.com', 'addons.mozilla.org', 'microsoftedge.microsoft.com'];

export function whyNotCapturable(url: string | undefined, contentType?: string | null): string | null {
  if (!url) return 'This tab has no page to capture.';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'This tab has no page to capture.';
  }
  if (!['http:', 'https:', 'file:'].includes(u.protocol)) {
    return `Pages of the browser itself (${u.protocol}) cannot be captured: the browser does not let extensions read them.`;
  }
  if (STORE_HOSTS.includes(u.hostname) && (u.hostname !== 'chrome.google.com' || u.pathname.startsWith('/webstore'))) {
    return 'The browser’s extension store cannot be captured: browsers do not let extensions read it.';
  }
  if (contentType && /^application\/pdf\b/i.test(contentType)) {
    return 'PDF files open in the browser’s PDF viewer, which extensions cannot read. Download the PDF and keep it with its hash instead.';
  }
  return null;
}

/** Maps browser errors from injection or messaging to plain words and a code. */
export function explainBrowserError(message: string): { code: 'not-capturable' | 'tab-closed' | 'internal'; text: string } {
  // "Invalid tab ID" is Firefox's wording of Chrome's "No tab with id".
  if (/No tab with id|Invalid tab ID|tab was closed|Tab .* not found|Receiving end does not exist|message port closed|Frame with ID 0 was removed/i.test(message)) {
    return { code: 'tab-closed', text: 'The tab was closed or navigated away during the capture; nothing was saved.' };
  }
  if (/Cannot access|cannot be scripted|extensions gallery|Missing host permission|chrome-extension:|PDF|chrome-error/i.test(message)) {
    return { code: 'not-capturable', text: 'The browser does not let extensions read this page (a browser page, the extension store, an error page or the PDF viewer).' };
  }
  return { code: 'internal', text: message };
}
