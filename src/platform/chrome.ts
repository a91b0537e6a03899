import type { Browser } from 'wxt/browser';
import { base64ToBlob } from '../shared/bytes';
import { MAX_SCREENSHOT_DEVICE_PX, type CapturePlatform, type FullPageShot } from './types';

// Chrome-only APIs, used natively (they return promises in MV3).
const chrome = (globalThis as unknown as { chrome: typeof Browser }).chrome;
type Debuggee = Browser.debugger.Debuggee;

function send<T>(target: Debuggee, method: string, params?: object): Promise<T> {
  return chrome.debugger.sendCommand(target, method, params as Record<string, unknown> | undefined) as unknown as Promise<T>;
}

interface LayoutMetrics {
  cssContentSize: { width: number; height: number };
  cssLayoutViewport: { clientWidth: number; clientHeight: number };
}

/**
 * Page-side wait (a string: it runs in the captured page through the DevTools protocol) until
 * innerWidth/innerHeight report the overridden size, at most 3 s, then two animation frames.
 * It defines nothing in the page and leaves nothing behind.
 */
function settledAt(width: number, height: number): string {
  return `new Promise((resolve) => {
    const until = performance.now() + 3000;
    const frames = () => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true)));
    const check = () => {
      if ((innerWidth === ${width} && innerHeight === ${height}) || performance.now() > until) frames();
      else setTimeout(check, 16);
    };
    check();
  })`;
}

/**
 * Chrome: the full page through the DevTools protocol (one capture beyond the viewport, no
 * stitching seams or repeated sticky headers), MHTML through pageCapture.
 */
export const chromePlatform: CapturePlatform = {
  name: 'chrome',

  async captureVisible(_tabId, windowId) {
    const dataUrl = await chrome.tabs.captureVisibleTab(windowId, { format: 'png' });
    return base64ToBlob(dataUrl.slice(dataUrl.indexOf(',') + 1), 'image/png');
  },

  async captureFullPage(tabId, { maxHeight, geometry }): Promise<FullPageShot> {
    const target: Debuggee = { tabId };
    await chrome.debugger.attach(target, '1.3');
    let overridden = false;
    try {
      const metrics = await send<LayoutMetrics>(target, 'Page.getLayoutMetrics');
      const width = Math.ceil(Math.max(metrics.cssLayoutViewport.clientWidth, Math.min(metrics.cssContentSize.width, geometry.scrollWidth || Infinity)));
      const pageHeight = Math.ceil(Math.max(metrics.cssContentSize.height, geometry.scrollHeight));
      const deviceCap = Math.floor(MAX_SCREENSHOT_DEVICE_PX / Math.max(1, geometry.devicePixelRatio));
      const height = Math.min(pageHeight, maxHeight, deviceCap);
      // Make the viewport as large as the page, then take one picture of it. (captureBeyondViewport
      // with a clip repeated the first screenful in headless Chromium: nothing below it was painted.)
      await send(target, 'Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 0, mobile: false });
      overridden = true;
      // Wait until the page's viewport has taken the new size, then two animation frames for layout
      // and paint at it. On a busy machine the override can land after the first frames: two frames
      // alone then captured tiles of the 5,000 px test page that had not been painted yet.
      await send(target, 'Runtime.evaluate', { expression: settledAt(width, height), awaitPromise: true });
      // No clip: a clip (with or without captureBeyondViewport) brought the tiling back.
      const { data } = await send<{ data: string }>(target, 'Page.captureScreenshot', { format: 'png', fromSurface: true });
      return { png: base64ToBlob(data, 'image/png'), width, height, capped: height < pageHeight, pageHeight };
    } finally {
      if (overridden) await send(target, 'Emulation.clearDeviceMetricsOverride').catch(() => undefined);
      await chrome.debugger.detach(target).catch(() => undefined);
    }
  },

  async saveMhtml(tabId) {
    // pageCapture first (the API made for this). Its Blob is backed by a temporary file that Chrome
    // sometimes deletes before a service worker can read it; then the DevTools protocol's
    // Page.captureSnapshot, which runs the same Blink MHTML serializer and returns the text directly.
    try {
      const data = (await chrome.pageCapture.saveAsMHTML({ tabId })) as Blob | ArrayBuffer | undefined;
      if (data) {
        const bytes = data instanceof Blob ? await data.arrayBuffer() : data;
        return { data: new Blob([bytes], { type: 'multipart/related' }), via: 'pageCapture' };
      }
    } catch {
      /* fall through to the DevTools protocol */
    }
    const target: Debuggee = { tabId };
    await chrome.debugger.attach(target, '1.3');
    try {
      const { data } = await send<{ data: string }>(target, 'Page.captureSnapshot', { format: 'mhtml' });
      return { data: new Blob([data], { type: 'multipart/related' }), via: 'devtools' };
    } finally {
      await chrome.debugger.detach(target).catch(() => undefined);
    }
  },
};
