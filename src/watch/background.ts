/**
 * Background side of the keyword watch, auto-capture and record mode. The lead's background calls
 * initWatch() once, synchronously at start-up (MV3 listeners must be registered in the first turn).
 * Decisions are in handle* functions that take their browser dependencies as parameters, so they are
 * unit-tested without a browser.
 */
import { browser } from 'wxt/browser';
import { getDb, type EvidenceDB } from '../store/db';
import { KeywordMatcher, normalizeTerm } from './matcher';
import { isWatchMessage, WATCH_SCRIPT_FILE, WATCH_SCRIPT_ID, type WatchHelloReply, type WatchMatches } from './messages';
import { getWatchSettings, markAutoCaptured, needsContentScript, recordingCases, siteAllowed, watchingCases } from './settings';

export type CaptureTabFn = (tabId: number, opts: { caseId: string; reason: 'watch' | 'record' }) => Promise<unknown>;

export interface WatchContext {
  db: () => EvidenceDB;
  captureTab: CaptureTabFn;
  setBadge: (tabId: number, text: string) => Promise<void>;
  /** Tab → URL already auto-captured during the current page load (cleared on navigation). */
  capturedThisLoad: Map<number, string>;
  /** Tab → last recorded navigation, to ignore a duplicate completion of the same load. */
  lastRecorded: Map<number, { url: string; at: number }>;
  now: () => number;
  /** Tabs the capture service itself opened or drives (e.g. capture-url): never recorded or auto-captured. */
  ignoreTab: (tabId: number) => boolean;
}

/** The terms a page should look for, or null when it must not be watched. */
export async function handleWatchHello(ctx: WatchContext, url: string): Promise<WatchHelloReply | null> {
  const db = ctx.db();
  const settings = await getWatchSettings(db);
  if (!settings.enabled || !siteAllowed(url, settings)) return null;
  const terms = new Map<string, string>();
  for (const c of watchingCases(await db.cases.toArray())) for (const t of c.watchTerms ?? []) if (normalizeTerm(t)) terms.set(normalizeTerm(t), t.trim());
  return terms.size ? { terms: [...terms.values()] } : null;
}

/**
 * Counts from a page: sets the tab's badge to the number of distinct terms found and, when
 * auto-capture is on, captures the page into every watching case whose terms matched, once per
 * (case, URL, content hash) and at most once per page load.
 */
export async function handleWatchMatches(ctx: WatchContext, tabId: number, url: string, msg: WatchMatches): Promise<{ distinct: number; captured: string[] }> {
  const db = ctx.db();
  const settings = await getWatchSettings(db);
  if (!settings.enabled || !siteAllowed(url, settings)) {
    await ctx.setBadge(tabId, '');
    return { distinct: 0, captured: [] };
  }
  const found = new Set<string>();
  for (const [term, n] of Object.entries(msg.counts)) if (n > 0 && normalizeTerm(term)) found.add(normalizeTerm(term));
  await ctx.setBadge(tabId, found.size ? String(Math.min(found.size, 999)) : '');
  const captured: string[] = [];
  if (!settings.autoCapture || found.size === 0 || ctx.capturedThisLoad.get(tabId) === url || ctx.ignoreTab(tabId)) return { distinct: found.size, captured };
  for (const c of watchingCases(await db.cases.toArray())) {
    const own = new KeywordMatcher(c.watchTerms ?? []).terms.map(normalizeTerm);
    if (!own.some((t) => found.has(t))) continue;
    if (!(await markAutoCaptured(db, `${c.id}|${url}|${msg.textHash}`))) continue;
    ctx.capturedThisLoad.set(tabId, url);
    captured.push(c.id);
    await ctx.captureTab(tabId, { caseId: c.id, reason: 'watch' }).catch((e: unknown) => console.warn('watch auto-capture failed', e));
  }
  return { distinct: found.size, captured };
}

/** Record mode: a completed top-level http(s) navigation is captured into every recording case. */
export async function handleNavigationCompleted(ctx: WatchContext, d: { tabId: number; frameId: number; url: string }): Promise<string[]> {
  if (d.frameId !== 0 || !/^https?:/i.test(d.url) || ctx.ignoreTab(d.tabId)) return [];
  const db = ctx.db();
  const cases = recordingCases(await db.cases.toArray());
  if (cases.length === 0) return [];
  const settings = await getWatchSettings(db);
  if (!siteAllowed(d.url, settings)) return [];
  const last = ctx.lastRecorded.get(d.tabId);
  if (last && last.url === d.url && ctx.now() - last.at < 2000) return [];
  ctx.lastRecorded.set(d.tabId, { url: d.url, at: ctx.now() });
  for (const c of cases) await ctx.captureTab(d.tabId, { caseId: c.id, reason: 'record' }).catch((e: unknown) => console.warn('record capture failed', e));
  return cases.map((c) => c.id);
}

type Scripting = Pick<typeof browser.scripting, 'getRegisteredContentScripts' | 'registerContentScripts' | 'unregisterContentScripts'>;

/**
 * Registers the watch content script only while it is needed (watch on and some case has terms) and
 * unregisters it otherwise, so that by default no page is touched. Call after any change to watch
 * settings, case terms or archiving; the library page does, and initWatch does at start-up.
 */
export async function syncWatchRegistration(db: EvidenceDB = getDb(), scripting: Scripting = browser.scripting): Promise<boolean> {
  const need = needsContentScript(await getWatchSettings(db), await db.cases.toArray());
  const existing = await scripting.getRegisteredContentScripts({ ids: [WATCH_SCRIPT_ID] });
  if (need && existing.length === 0) {
    await scripting.registerContentScripts([
      { id: WATCH_SCRIPT_ID, js: [WATCH_SCRIPT_FILE], matches: ['<all_urls>'], runAt: 'document_idle', allFrames: false, persistAcrossSessions: true },
    ]);
  } else if (!need && existing.length > 0) {
    await scripting.unregisterContentScripts({ ids: [WATCH_SCRIPT_ID] });
  }
  return need;
}

/** Message the library page sends after changing watch settings, so the background re-syncs too. */
export const WATCH_SYNC_MESSAGE = 'watch-sync';

export function initWatch(opts: { captureTab: CaptureTabFn; db?: () => EvidenceDB; ignoreTab?: (tabId: number) => boolean }): WatchContext {
  const ctx: WatchContext = {
    db: opts.db ?? getDb,
    captureTab: opts.captureTab,
    setBadge: async (tabId, text) => {
      await browser.action.setBadgeText({ tabId, text }).catch(() => undefined);
      if (text) await browser.action.setBadgeBackgroundColor({ tabId, color: '#b3261e' }).catch(() => undefined);
    },
    capturedThisLoad: new Map(),
    lastRecorded: new Map(),
    now: () => Date.now(),
    ignoreTab: opts.ignoreTab ?? (() => false),
  };

  browser.runtime.onMessage.addListener((message: unknown, sender: { id?: string; tab?: { id?: number }; frameId?: number; url?: string }) => {
    // Only our own content script (or pages) may talk to us; web pages cannot reach runtime messaging.
    if (sender.id !== browser.runtime.id) return undefined;
    if ((message as { type?: unknown } | null)?.type === WATCH_SYNC_MESSAGE) return syncWatchRegistration(ctx.db()).then(() => ({ ok: true }));
    if (!isWatchMessage(message)) return undefined;
    const tabId = sender.tab?.id;
    if (tabId === undefined || (sender.frameId ?? 0) !== 0) return Promise.resolve(null);
    const url = sender.url ?? message.url;
    if (message.type === 'watch-hello') return handleWatchHello(ctx, url);
    return handleWatchMatches(ctx, tabId, url, message).then(() => ({ ok: true }));
  });

  browser.webNavigation.onCommitted.addListener((d) => {
    if (d.frameId !== 0) return;
    ctx.capturedThisLoad.delete(d.tabId);
    void ctx.setBadge(d.tabId, '');
  });
  browser.webNavigation.onCompleted.addListener((d) => {
    void handleNavigationCompleted(ctx, d).catch((e: unknown) => console.warn('record mode', e));
  });
  browser.tabs.onRemoved.addListener((tabId) => {
    ctx.capturedThisLoad.delete(tabId);
    ctx.lastRecorded.delete(tabId);
  });

  void syncWatchRegistration(ctx.db()).catch((e: unknown) => console.warn('watch registration', e));
  return ctx;
}
