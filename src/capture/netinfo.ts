/**
 * Remembers, per tab, the HTTP response of the last top-level document (status, headers, server IP,
 * redirects), because a capture usually starts long after the page loaded. Kept in
 * storage.session: the service worker may stop between the navigation and the capture.
 */
import { browser, type Browser } from 'wxt/browser';

export interface MainDocumentResponse {
  url: string;
  statusCode: number;
  statusLine: string | null;
  ip: string | null;
  fromCache: boolean;
  responseHeaders: { name: string; value: string }[];
  redirects: { url: string; statusCode: number; redirectUrl: string }[];
  time: string;
}

const key = (tabId: number) => `net:${tabId}`;

export async function getMainDocumentResponse(tabId: number): Promise<MainDocumentResponse | null> {
  const got = await browser.storage.session.get(key(tabId));
  return (got[key(tabId)] as MainDocumentResponse | undefined) ?? null;
}

export function initNetInfo(): void {
  const filter: Browser.webRequest.RequestFilter = { urls: ['<all_urls>'], types: ['main_frame'] };
  const redirects = new Map<string, MainDocumentResponse['redirects']>();
  browser.webRequest.onBeforeRedirect.addListener((d) => {
    const list = redirects.get(d.requestId) ?? [];
    list.push({ url: d.url, statusCode: d.statusCode, redirectUrl: d.redirectUrl });
    redirects.set(d.requestId, list);
  }, filter);
  browser.webRequest.onCompleted.addListener(
    (d) => {
      if (d.tabId < 0) return;
      const value: MainDocumentResponse = {
        url: d.url,
        statusCode: d.statusCode,
        statusLine: d.statusLine ?? null,
        ip: d.ip ?? null,
        fromCache: d.fromCache,
        responseHeaders: (d.responseHeaders ?? []).map((h) => ({ name: h.name, value: h.value ?? '' })),
        redirects: redirects.get(d.requestId) ?? [],
        time: new Date(d.timeStamp).toISOString(),
      };
      redirects.delete(d.requestId);
      void browser.storage.session.set({ [key(d.tabId)]: value });
    },
    filter,
    ['responseHeaders'],
  );
  browser.tabs.onRemoved.addListener((tabId) => void browser.storage.session.remove(key(tabId)));
}
