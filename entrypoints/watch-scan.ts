import { browser } from 'wxt/browser';
import { runWatchScan } from '../src/watch/scan';

// Registered at run time only while the keyword watch is on (src/watch/background.ts), never in
// the manifest. An unlisted script, not a WXT content script: WXT's content-script wrapper fires a
// DOM CustomEvent named after our (public) extension ID, which any page could listen for.
// Isolated world, reads text only.
export default defineUnlistedScript({
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
