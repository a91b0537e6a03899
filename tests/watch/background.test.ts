import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EvidenceDB } from '../../src/store/db';
import { createCase, ensureDefaultCase, setCaseRecording, setCaseWatchTerms, archiveCase } from '../../src/store/cases';
import { handleNavigationCompleted, handleWatchHello, handleWatchMatches, syncWatchRegistration, type CaptureTabFn, type WatchContext } from '../../src/watch/background';
import { setWatchSettings, siteAllowed, normalizeSiteList } from '../../src/watch/settings';
import { WATCH_SCRIPT_ID } from '../../src/watch/messages';

let db: EvidenceDB;
let ctx: WatchContext;
let captureTab: ReturnType<typeof vi.fn<CaptureTabFn>>;
let badges: [number, string][];
let n = 0;
let now = 0;

beforeEach(async () => {
  db = new EvidenceDB(`watch-test-${n++}`);
  await ensureDefaultCase(db);
  captureTab = vi.fn<CaptureTabFn>(async () => ({ ok: true }));
  badges = [];
  now = 1_000_000;
  ctx = {
    db: () => db,
    captureTab,
    setBadge: async (tabId, text) => void badges.push([tabId, text]),
    capturedThisLoad: new Map(),
    lastRecorded: new Map(),
    now: () => now,
    ignoreTab: (tabId) => tabId === 99,
  };
});

const matches = (counts: Record<string, number>, textHash = 'h1') => ({ type: 'watch-matches' as const, url: 'https://weibo.com/1', counts, textHash, scan: 0 });

describe('site lists', () => {
  it('normalises entries and lets deny win over allow, subdomains included', () => {
    expect(normalizeSiteList(['https://www.Weibo.com/u/1', '*.qq.com', ' ', 'nonsense'])).toEqual(['weibo.com', 'qq.com']);
    const s = { allowSites: ['weibo.com', 'qq.com'], denySites: ['mp.weixin.qq.com'] };
    expect(siteAllowed('https://m.weibo.com/x', s)).toBe(true);
    expect(siteAllowed('https://mp.weixin.qq.com/s/1', s)).toBe(false);
    expect(siteAllowed('https://example.org/', s)).toBe(false);
    expect(siteAllowed('chrome://settings', { allowSites: [], denySites: [] })).toBe(false);
  });
});

describe('keyword watch', () => {
  it('gives no terms while the watch is off, and the union of active cases’ terms when on', async () => {
    await setCaseWatchTerms(db, 'default', ['红码', '储户']);
    const other = await createCase(db, '郑州烂尾楼');
    await setCaseWatchTerms(db, other.id, ['烂尾楼', '红码']);
    expect(await handleWatchHello(ctx, 'https://weibo.com/1')).toBeNull();
    await setWatchSettings(db, { enabled: true });
    expect((await handleWatchHello(ctx, 'https://weibo.com/1'))!.terms.sort()).toEqual(['储户', '烂尾楼', '红码']);
    await archiveCase(db, other.id);
    expect((await handleWatchHello(ctx, 'https://weibo.com/1'))!.terms.sort()).toEqual(['储户', '红码']);
    await setWatchSettings(db, { denySites: ['weibo.com'] });
    expect(await handleWatchHello(ctx, 'https://weibo.com/1')).toBeNull();
  });

  it('sets the badge to the number of distinct terms found in the tab', async () => {
    await setCaseWatchTerms(db, 'default', ['红码', '储户', '郑州']);
    await setWatchSettings(db, { enabled: true });
    const r = await handleWatchMatches(ctx, 7, 'https://weibo.com/1', matches({ 红码: 3, 储户: 1 }));
    expect(r.distinct).toBe(2);
    expect(badges.at(-1)).toEqual([7, '2']);
    await handleWatchMatches(ctx, 7, 'https://weibo.com/1', matches({}));
    expect(badges.at(-1)).toEqual([7, '']);
    expect(captureTab).not.toHaveBeenCalled();
  });

  it('auto-captures once per URL and content hash, into the case whose terms matched', async () => {
    await setCaseWatchTerms(db, 'default', ['储户']);
    const c = await createCase(db, 'red code');
    await setCaseWatchTerms(db, c.id, ['红码']);
    await setWatchSettings(db, { enabled: true, autoCapture: true });
    await handleWatchMatches(ctx, 7, 'https://weibo.com/1', matches({ 红码: 1 }));
    expect(captureTab).toHaveBeenCalledTimes(1);
    expect(captureTab).toHaveBeenCalledWith(7, { caseId: c.id, reason: 'watch' });
    // Same page load, or the same content later in another tab: no second capture.
    await handleWatchMatches(ctx, 7, 'https://weibo.com/1', matches({ 红码: 2 }, 'h2'));
    await handleWatchMatches(ctx, 8, 'https://weibo.com/1', matches({ 红码: 1 }));
    expect(captureTab).toHaveBeenCalledTimes(1);
    // Changed content on a new load is evidence of an edit: captured again.
    await handleWatchMatches(ctx, 8, 'https://weibo.com/1', matches({ 红码: 1 }, 'h3'));
    expect(captureTab).toHaveBeenCalledTimes(2);
  });
});

describe('record mode', () => {
  it('captures completed top-level http(s) navigations into recording cases, except denied sites', async () => {
    const nav = (url: string, frameId = 0, tabId = 3) => handleNavigationCompleted(ctx, { tabId, frameId, url });
    expect(await nav('https://weibo.com/1')).toEqual([]);
    await setCaseRecording(db, 'default', true);
    expect(await nav('https://weibo.com/1')).toEqual(['default']);
    expect(await nav('https://weibo.com/1', 2)).toEqual([]);
    expect(await nav('chrome-extension://x/library.html')).toEqual([]);
    expect(await nav('https://weibo.com/1')).toEqual([]); // duplicate completion of the same load
    now += 5000;
    expect(await nav('https://weibo.com/1')).toEqual(['default']);
    await setWatchSettings(db, { denySites: ['bank.example'] });
    expect(await nav('https://www.bank.example/login')).toEqual([]);
    expect(await nav('https://weibo.com/2', 0, 99)).toEqual([]); // a tab the capture service drives
    expect(captureTab).toHaveBeenCalledTimes(2);
    expect(captureTab).toHaveBeenLastCalledWith(3, { caseId: 'default', reason: 'record' });
  });
});

describe('content script registration', () => {
  it('registers only while the watch is on and a case has terms, and unregisters after', async () => {
    const registered = new Set<string>();
    const scripting = {
      getRegisteredContentScripts: async (f?: { ids?: string[] }) => [...registered].filter((id) => !f?.ids || f.ids.includes(id)).map((id) => ({ id })),
      registerContentScripts: async (s: { id: string }[]) => void s.forEach((x) => registered.add(x.id)),
      unregisterContentScripts: async (f?: { ids?: string[] }) => void f?.ids?.forEach((id) => registered.delete(id)),
    } as unknown as Parameters<typeof syncWatchRegistration>[1];
    expect(await syncWatchRegistration(db, scripting)).toBe(false);
    expect(registered.size).toBe(0);
    await setWatchSettings(db, { enabled: true });
    expect(await syncWatchRegistration(db, scripting)).toBe(false);
    await setCaseWatchTerms(db, 'default', ['红码']);
    expect(await syncWatchRegistration(db, scripting)).toBe(true);
    expect([...registered]).toEqual([WATCH_SCRIPT_ID]);
    await setWatchSettings(db, { enabled: false });
    await syncWatchRegistration(db, scripting);
    expect(registered.size).toBe(0);
  });
});
