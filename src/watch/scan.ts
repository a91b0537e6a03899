/**
 * The watch content script's logic. It only reads: no DOM changes, no globals in the page, no
 * events or postMessage the page could see. It asks the background for the terms, counts them in
 * the page's visible text, and sends counts plus a text hash back. A MutationObserver (invisible to
 * the page, it lives in the isolated world) triggers a few debounced rescans for pages that load
 * content late.
 */
import { KeywordMatcher } from './matcher';
import type { WatchHelloReply, WatchMatches, WatchMessage } from './messages';

export const RESCAN_DELAY_MS = 3000;
export const MAX_RESCANS = 20;

/** cyrb53: a fast 53-bit string hash; only used to tell page versions apart, not for evidence. */
export function textHash(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16);
}

export interface ScanDeps {
  send: (m: WatchMessage) => Promise<unknown>;
  readText: () => string;
  url: () => string;
  /** Calls back when the page changes; returns a function that stops observing. */
  observe: (onChange: () => void) => () => void;
  setTimer: (fn: () => void, ms: number) => unknown;
  clearTimer: (t: unknown) => void;
}

export function computeMatches(matcher: KeywordMatcher, url: string, text: string, scan: number): WatchMatches {
  return { type: 'watch-matches', url, counts: Object.fromEntries(matcher.count(text)), textHash: textHash(text), scan };
}

/** Runs the watch on one page. Resolves once the first scan is sent (or the page is not watched). */
export async function runWatchScan(deps: ScanDeps): Promise<void> {
  const reply = (await deps.send({ type: 'watch-hello', url: deps.url() }).catch(() => null)) as WatchHelloReply | null;
  if (!reply || !Array.isArray(reply.terms) || reply.terms.length === 0) return;
  const matcher = new KeywordMatcher(reply.terms);
  let scan = 0;
  let lastHash = '';
  const scanNow = async (): Promise<void> => {
    const m = computeMatches(matcher, deps.url(), deps.readText(), scan);
    if (m.textHash === lastHash) return;
    lastHash = m.textHash;
    scan++;
    await deps.send(m).catch(() => undefined);
  };
  await scanNow();
  let timer: unknown = null;
  const stop = deps.observe(() => {
    if (timer !== null) return;
    timer = deps.setTimer(() => {
      timer = null;
      if (scan > MAX_RESCANS) {
        stop();
        return;
      }
      void scanNow();
    }, RESCAN_DELAY_MS);
  });
}
