/**
 * Watch settings. Terms and the recording flag live on each case (CaseRow.watchTerms / .recording);
 * switches that apply to the whole watch live in kv under WATCH_SETTINGS_KEY.
 */
import type { EvidenceDB } from '../store/db';
import type { CaseRow } from '../store/schema';

export const WATCH_SETTINGS_KEY = 'watch.settings';
/** (case, URL, content hash) triples already auto-captured, most recent last. */
export const WATCH_SEEN_KEY = 'watch.autoCaptured';
export const MAX_SEEN = 5000;

export interface WatchSettings {
  /** Looking for terms in visited pages at all. Off by default: no page is touched until switched on. */
  enabled: boolean;
  /** Capture matching pages automatically (once per URL and content hash). */
  autoCapture: boolean;
  /** When non-empty, only these sites are watched/recorded. Entries are host names; subdomains match. */
  allowSites: string[];
  /** Never watched, recorded or auto-captured. Wins over allowSites. */
  denySites: string[];
}

export const DEFAULT_WATCH_SETTINGS: WatchSettings = { enabled: false, autoCapture: false, allowSites: [], denySites: [] };

export async function getWatchSettings(db: EvidenceDB): Promise<WatchSettings> {
  const row = await db.kv.get(WATCH_SETTINGS_KEY);
  return { ...DEFAULT_WATCH_SETTINGS, ...((row?.value as Partial<WatchSettings> | undefined) ?? {}) };
}

export async function setWatchSettings(db: EvidenceDB, patch: Partial<WatchSettings>): Promise<WatchSettings> {
  return db.transaction('rw', db.kv, async () => {
    const next = { ...(await getWatchSettings(db)), ...patch };
    next.allowSites = normalizeSiteList(next.allowSites);
    next.denySites = normalizeSiteList(next.denySites);
    await db.kv.put({ key: WATCH_SETTINGS_KEY, value: next });
    return next;
  });
}

/** "https://www.Weibo.com/x", "*.weibo.com", "weibo.com" → "weibo.com"-style host names; junk dropped. */
export function normalizeSiteList(list: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of list) {
    let s = raw.trim().toLowerCase();
    if (!s) continue;
    s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/^\*\./, '').replace(/[/?#:].*$/, '').replace(/^www\./, '');
    if ((/^[a-z0-9.\-\u0080-\uffff]+$/.test(s) && s.includes(".")) || s === "localhost") out.add(s);
  }
  return [...out];
}

export function hostOf(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.hostname.toLowerCase();
  } catch {
    return null;
  }
}

function hostMatches(host: string, site: string): boolean {
  return host === site || host.endsWith('.' + site);
}

/** Whether the watch and record mode may look at `url`: http(s) only, deny list first, then allow list. */
export function siteAllowed(url: string, s: Pick<WatchSettings, 'allowSites' | 'denySites'>): boolean {
  const host = hostOf(url);
  if (!host) return false;
  if (s.denySites.some((d) => hostMatches(host, d))) return false;
  if (s.allowSites.length > 0) return s.allowSites.some((a) => hostMatches(host, a));
  return true;
}

/** Cases whose terms are watched: not archived, with at least one term. */
export function watchingCases(cases: readonly CaseRow[]): CaseRow[] {
  return cases.filter((c) => !c.archived && (c.watchTerms?.some((t) => t.trim()) ?? false));
}

export function recordingCases(cases: readonly CaseRow[]): CaseRow[] {
  return cases.filter((c) => !c.archived && c.recording === 1);
}

/** The content script is needed only when the watch is on and some case has terms. */
export function needsContentScript(settings: WatchSettings, cases: readonly CaseRow[]): boolean {
  return settings.enabled && watchingCases(cases).length > 0;
}

/** Remembers an auto-capture key; returns false when it was already there (so: do not capture again). */
export async function markAutoCaptured(db: EvidenceDB, key: string): Promise<boolean> {
  return db.transaction('rw', db.kv, async () => {
    const seen = ((await db.kv.get(WATCH_SEEN_KEY))?.value as string[] | undefined) ?? [];
    if (seen.includes(key)) return false;
    seen.push(key);
    await db.kv.put({ key: WATCH_SEEN_KEY, value: seen.slice(-MAX_SEEN) });
    return true;
  });
}
