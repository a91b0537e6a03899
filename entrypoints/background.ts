import { browser } from 'wxt/browser';
import { initCaptureService, reportProgress, tabsOpenedForCapture } from '../src/capture/background';
import { captureTab } from '../src/capture/orchestrator';
import { getDb } from '../src/store/db';
import { chromePlatform } from '../src/platform/chrome';
import { firefoxPlatform } from '../src/platform/firefox';
import { initTimestampAlarms } from '../src/timestamp/alarms';
import { getTsaSettings } from '../src/timestamp/settings';
import { stampNow } from '../src/timestamp/queue';
import { indexCapture } from '../src/search';
import { initWatch } from '../src/watch/background';
import type { CaptureDeps } from '../src/capture/orchestrator';
import { sweepArtifactFiles, upgradeArtifacts } from '../src/store/artifacts';
import { packLoose, sweepPacks } from '../src/store/packs';

// Listeners are registered synchronously at start-up so that a stopped service worker is woken by
// the events it needs; nothing is kept only in memory between events.
export default defineBackground(() => {
  const deps: CaptureDeps = {
    db: getDb,
    platform: import.meta.env.FIREFOX ? firefoxPlatform : chromePlatform,
    progress: reportProgress,
    trustedTimeState: async () => ((await getTsaSettings(getDb())).enabled ? 'pending' : 'disabled'),
    // After the capture is safely stored: make it searchable and ask for trusted time. Neither can
    // undo the capture; a TSA that does not answer within a few seconds leaves it queued.
    afterSave: async (captureId) => {
      const db = getDb();
      await indexCapture(db, captureId).catch((e: unknown) => console.warn('search indexing failed', e));
      // Merges small captures into packs once enough are loose (src/store/packs.ts); not awaited:
      // the capture is saved and answered, and a merge left undone is taken up by the next one.
      void packLoose(db).catch((e: unknown) => console.warn('packing capture files failed', e));
      await stampNow(db, captureId, await getTsaSettings(db));
    },
  };
  initCaptureService(deps);
  initTimestampAlarms(browser, getDb);
  initWatch({
    db: getDb,
    captureTab: (tabId, opts) => captureTab(tabId, { caseId: opts.caseId }, deps),
    ignoreTab: (tabId) => tabsOpenedForCapture.has(tabId),
  });
  // When the browser starts or the extension is installed or updated (src/store/artifacts.ts):
  // captures stored before the zip-entry form are brought into it (so that they export composed),
  // and artifact files a crashed save or a failed removal left without a live capture are swept.
  const maintain = (): void =>
    void (async () => {
      await upgradeArtifacts(getDb());
      await sweepArtifactFiles(getDb());
      await sweepPacks(getDb());
      await packLoose(getDb());
    })().catch((e: unknown) => console.warn('artifact store upkeep failed', e));
  browser.runtime.onStartup.addListener(maintain);
  browser.runtime.onInstalled.addListener(maintain);
});
