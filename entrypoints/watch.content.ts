import { browser } from 'wxt/browser';
import { runWatchScan } from '../src/watch/scan';

// Registered at run time only while the keyword watch is on (see src/watch/background.ts), never in
// the manifest: by default no page is touched. Isolated world, reads text only.
export default defineContentScript({
  matches: ['<all_urls>'],
  registration: 'runtime',
  runAt: 'document_idle',
  noScriptStartedPostMessage: true,
  globalName: false,
  main() {
    void runWatchScan({
      send: (m) => browser.runtime.sendMessage(m),
      readText: () => document.body?.innerText ?? document.documentElement?.textContent ?? '',
      url: () => location.href,
      observe: (onChange) => {
        const mo = new MutationObserver(onChange);
        mo.observe(document, { subtree: true, childList: true, characterData: true });
        return () => mo.disconnect();
      },
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
    });
  },
});
