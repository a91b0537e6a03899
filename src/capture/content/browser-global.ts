import { browser } from 'wxt/browser';

// single-file-core looks for `globalThis.browser` when its modules load (frame-tree messages travel
// through the background). This global lives in the content script's isolated world, not the page's.
const g = globalThis as unknown as { browser?: unknown };
g.browser ??= browser;
