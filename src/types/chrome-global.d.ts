// Code that Playwright runs inside extension pages and the service worker (tests, CLI) uses the
// global `chrome` object; type it with the same definitions WXT gives `browser`.
import type { Browser } from 'wxt/browser';

declare global {
  const chrome: typeof Browser;
}
