import { browser } from 'wxt/browser';
import { MAX_SCREENSHOT_DEVICE_PX, type CapturePlatform } from './types';
import { base64ToBlob } from '../shared/bytes';

interface FirefoxTabs {
  captureTab(tabId: number, options: { format: 'png'; rect?: { x: number; y: number; width: number; height: number }; scale?: number }): Promise<string>;
}

function dataUrlToBlob(dataUrl: string): Blob {
  return base64ToBlob(dataUrl.slice(dataUrl.indexOf(',') + 1), 'image/png');
}

/** Firefox: tabs.captureTab can draw any rectangle of the page, so the full page is one call; no MHTML. */
export const firefoxPlatform: CapturePlatform = {
  name: 'firefox',
  async captureVisible(tabId) {
    return dataUrlToBlob(await (browser.tabs as unknown as FirefoxTabs).captureTab(tabId, { format: 'png' }));
  },
  async captureFullPage(tabId, { maxHeight, geometry }) {
    const pageHeight = geometry.scrollHeight;
    const height = Math.min(pageHeight, maxHeight, Math.floor(MAX_SCREENSHOT_DEVICE_PX / Math.max(1, geometry.devicePixelRatio)));
    const width = Math.max(geometry.innerWidth, geometry.scrollWidth);
    // Device pixels, like the visible screenshot (captureTab's default scale) and Chrome's full page:
    // on a HiDPI screen scale 1 would halve the full page's resolution and its width would not match.
    const scale = geometry.devicePixelRatio || 1;
    const url = await (browser.tabs as unknown as FirefoxTabs).captureTab(tabId, { format: 'png', rect: { x: 0, y: 0, width, height }, scale });
    return { png: dataUrlToBlob(url), width, height, capped: height < pageHeight, pageHeight };
  },
  async saveMhtml() {
    return null;
  },
};
