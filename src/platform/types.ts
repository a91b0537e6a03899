/**
 * What differs between browsers when capturing, behind one small interface: Chrome uses the
 * DevTools protocol (chrome.debugger) and pageCapture; Firefox uses tabs.captureTab with a rect and
 * has no MHTML. Everything else in the capture pipeline is shared.
 */
export interface FullPageShot {
  png: Blob;
  /** CSS pixels captured. */
  width: number;
  height: number;
  /** The page was taller than the cap; only the top `height` px are in the image. */
  capped: boolean;
  pageHeight: number;
  /**
   * Added: whether the last picture matched the one before it (Chrome takes pictures until two in
   * a row are the same, so that tiles not yet rasterized are not kept). Absent: not checked.
   */
  stable?: boolean;
  /** Added: pictures taken. */
  shots?: number;
}

export interface CapturePlatform {
  name: 'chrome' | 'firefox';
  /** The viewport of the tab as the user sees it (tab must be active in its window). */
  captureVisible(tabId: number, windowId: number): Promise<Blob>;
  /** The whole scroll height, capped at `maxHeight` CSS px. */
  captureFullPage(tabId: number, opts: { maxHeight: number; geometry: { scrollWidth: number; scrollHeight: number; innerWidth: number; devicePixelRatio: number } }): Promise<FullPageShot>;
  /** MHTML of the tab and the API that made it, or null where the browser has no such API. */
  saveMhtml(tabId: number): Promise<{ data: Blob; via: 'pageCapture' | 'devtools' } | null>;
}

/** The tallest full-page screenshot we make, in device pixels: GPU textures and PNG viewers choke beyond. */
export const MAX_SCREENSHOT_DEVICE_PX = 16_384;
