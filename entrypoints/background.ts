import { browser } from 'wxt/browser';
import { initCaptureService, reportProgress } from '../src/capture/background';
import { getDb } from '../src/store/db';
import { chromePlatform } from '../src/platform/chrome';
import { firefoxPlatform } from '../src/platform/firefox';

// Listeners are registered synchronously at start-up so that a stopped service worker is woken by
// the events it needs; nothing is kept only in memory between events.
export default defineBackground(() => {
  const platform = import.meta.env.FIREFOX ? firefoxPlatform : chromePlatform;
  initCaptureService({
    db: getDb,
    platform,
    progress: reportProgress,
  });
  void browser.runtime.getPlatformInfo();
});
