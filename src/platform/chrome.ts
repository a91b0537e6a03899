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

/** Page-side: resolve(value) after two animation frames, so the compositor produces at least one new frame. */
const afterTwoFrames = (value: string): string => `requestAnimationFrame(() => requestAnimationFrame(() => resolve(${value})))`;

/**
 * Page-side wait (a string: it runs in the captured page through the DevTools protocol) until
 * innerWidth/innerHeight report the overridden size, at most 3 s, then two animation frames.
 * Resolves to whether the size was reached. It defines nothing in the page and leaves nothing behind.
 */
function settledAt(width: number, height: number): string {
  return `new Promise((resolve) => {
    const until = performance.now() + 3000;
    const frames = (ok) => ${afterTwoFrames('ok')};
    const check = () => {
      if (innerWidth === ${width} && innerHeight === ${height}) frames(true);
      else if (performance.now() > until) frames(false);
      else setTimeout(check, 16);
    };
    check();
  })`;
}

const TWO_FRAMES = `new Promise((resolve) => ${afterTwoFrames('true')})`;

/**
 * Pictures taken at most, until two in a row are the same. Tiles of a tall page are rasterized
 * after layout, off the main thread: on a busy machine the first picture can still miss the
 * bottom of the page (it was blank in 2 of 6 CI runs of the 5,000 px test page), and no page-side
 * signal says when raster is done. A page that keeps moving (animation, video) never repeats
 * itself; the last picture is kept and the capture notes it. Each picture of a 16,000 px page
 * costs ~1 s here, nearly all of it drawing and reading back the surface (JPEG or fast PNG
 * encoding saved little), so the check costs one picture on a still page and two at most.
 */
const MAX_SHOTS = 3;

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
      const sized = await send<{ result: { value?: unknown } }>(target, 'Runtime.evaluate', { expression: settledAt(width, height), awaitPromise: true, returnByValue: true });
      if (sized.result.value !== true) {
        // The override had not reached the page after 3 s: give it as long again before the pictures.
        await send(target, 'Runtime.evaluate', { expression: settledAt(width, height), awaitPromise: true });
      }
      // No clip: a clip (with or without captureBeyondViewport) brought the tiling back.
      const shot = async (): Promise<string> => (await send<{ data: string }>(target, 'Page.captureScreenshot', { format: 'png', fromSurface: true })).data;
      let data = await shot();
      let shots = 1;
      let stable = false;
      while (!stable && shots < MAX_SHOTS) {
        await send(target, 'Runtime.evaluate', { expression: TWO_FRAMES, awaitPromise: true });
        const next = await shot();
        shots++;
        stable = next === data;
        data = next;
      }
      return { png: base64ToBlob(data, 'image/png'), width, height, capped: height < pageHeight, pageHeight, stable, shots };
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
