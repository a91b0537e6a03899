/** Messages between the watch content script and the background. */

export const WATCH_SCRIPT_ID = 'jianzheng-watch';
/**
 * Built file of entrypoints/watch.content.ts (WXT puts content scripts under content-scripts/). Kept
 * here so that the registration and the build agree in one place.
 */
export const WATCH_SCRIPT_FILE = 'watch-scan.js';

/** Content script → background: which terms to look for on this page (null reply: none, stop). */
export interface WatchHello {
  type: 'watch-hello';
  url: string;
}
export interface WatchHelloReply {
  terms: string[];
}

/** Content script → background: what was found. Only counts and a hash leave the page, never text. */
export interface WatchMatches {
  type: 'watch-matches';
  url: string;
  counts: Record<string, number>;
  /** Hash of the page's visible text, so that an unchanged page is not auto-captured twice. */
  textHash: string;
  /** 0 for the first scan after load, then 1, 2, … for rescans after the page changed. */
  scan: number;
}

export type WatchMessage = WatchHello | WatchMatches;

export function isWatchMessage(m: unknown): m is WatchMessage {
  if (!m || typeof m !== 'object') return false;
  const t = (m as { type?: unknown }).type;
  if (t === 'watch-hello') return typeof (m as WatchHello).url === 'string';
  if (t === 'watch-matches') {
    const x = m as WatchMatches;
    return typeof x.url === 'string' && typeof x.textHash === 'string' && typeof x.scan === 'number' && !!x.counts && typeof x.counts === 'object';
  }
  return false;
}
