/**
 * The background's capture service: routes messages (only from our own extension), starts captures
 * from the popup, the context menu, the keyboard command and the CLI, relays SingleFile's
 * frame-tree messages between frames of a tab being captured, and serves resource fetches for it.
 */
import { browser, type Browser } from 'wxt/browser';
import type { BackgroundRequest, CaptureOptions, CaptureResult, CaptureStage, ProgressMessage } from '../shared/messages';
import { captureTab, isCapturing, type CaptureDeps } from './orchestrator';
import { fetchResource } from './fetch-resource';
import { initNetInfo } from './netinfo';
import { t } from '../ui/i18n';

const FRAME_TREE_METHODS = new Set(['singlefile.frameTree.initResponse', 'singlefile.frameTree.ackInitRequest']);
const EXTENSION_ORIGIN = () => browser.runtime.getURL('/');

/** A message from one of our extension pages (popup, library, options, the CLI's control page). */
function fromExtensionPage(sender: Browser.runtime.MessageSender): boolean {
  return sender.id === browser.runtime.id && !!sender.url && sender.url.startsWith(EXTENSION_ORIGIN());
}

/** A message from our capture script inside a tab that is being captured right now. */
async function fromCapturingTab(sender: Browser.runtime.MessageSender): Promise<boolean> {
  return sender.id === browser.runtime.id && !!sender.tab?.id && (await isCapturing(sender.tab.id));
}

export function reportProgress(runId: string, stage: CaptureStage, detail?: string): void {
  const msg: ProgressMessage = { type: 'capture-progress', runId, stage, detail };
  void browser.storage.session.set({ progress: msg }).catch(() => undefined);
  void browser.runtime.sendMessage(msg).catch(() => undefined);
}

/** The tab the user is looking at: the active tab of the last focused normal window (not a popup). */
async function activeTabId(): Promise<number | undefined> {
  const win = await browser.windows.getLastFocused({ windowTypes: ['normal'] }).catch(() => undefined);
  const [tab] = await browser.tabs.query(win?.id !== undefined ? { active: true, windowId: win.id } : { active: true, lastFocusedWindow: true });
  return tab?.id;
}

/**
 * Tabs opened by capture-url. Record mode must not capture them a second time; a worker restart
 * during a capture-url forgets them, which at worst costs one duplicate capture.
 */
export const tabsOpenedForCapture = new Set<number>();

/** Opens `url` in a new tab, waits for it to load (plus `waitMs`), captures it, closes the tab. */
export async function captureUrl(url: string, options: CaptureOptions, deps: CaptureDeps): Promise<CaptureResult> {
  let tab: Browser.tabs.Tab;
  try {
    tab = await browser.tabs.create({ url, active: true });
  } catch (e) {
    return { ok: false, code: 'navigation-failed', error: `Could not open ${url}: ${(e as Error).message}` };
  }
  const tabId = tab.id!;
  tabsOpenedForCapture.add(tabId);
  try {
    const loaded = await waitForLoad(tabId, 60_000);
    if (!loaded.ok) return { ok: false, code: 'navigation-failed', error: `Could not load ${url}: ${loaded.error}` };
    if (options.waitMs) await new Promise((r) => setTimeout(r, options.waitMs));
    return await captureTab(tabId, { ...options, requestedUrl: url }, deps);
  } finally {
    tabsOpenedForCapture.delete(tabId);
    await browser.tabs.remove(tabId).catch(() => undefined);
  }
}

function waitForLoad(tabId: number, timeoutMs: number): Promise<{ ok: true } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    let error: string | null = null;
    const done = (r: { ok: true } | { ok: false; error: string }) => {
      clearTimeout(timer);
      browser.tabs.onUpdated.removeListener(onUpdated);
      browser.webNavigation.onErrorOccurred.removeListener(onError);
      resolve(r);
    };
    const onError = (d: Browser.webNavigation.WebNavigationFramedErrorCallbackDetails) => {
      if (d.tabId === tabId && d.frameId === 0 && !/ERR_ABORTED/.test(d.error)) error = d.error;
    };
    const onUpdated = (id: number, info: Browser.tabs.OnUpdatedInfo) => {
      if (id !== tabId || info.status !== 'complete') return;
      done(error ? { ok: false, error } : { ok: true });
    };
    const timer = setTimeout(() => done({ ok: false, error: `the page did not finish loading within ${timeoutMs / 1000} s` }), timeoutMs);
    browser.tabs.onUpdated.addListener(onUpdated);
    browser.webNavigation.onErrorOccurred.addListener(onError);
  });
}

export function initCaptureService(deps: CaptureDeps): void {
  initNetInfo();

  browser.runtime.onMessage.addListener((message: unknown, sender) => {
    const msg = message as BackgroundRequest & { method?: string };
    // SingleFile's frames report to the top frame through us.
    if (msg && typeof msg.method === 'string' && FRAME_TREE_METHODS.has(msg.method)) {
      return (async () => {
        if (!(await fromCapturingTab(sender))) return undefined;
        await browser.tabs.sendMessage(sender.tab!.id!, msg, { frameId: 0 }).catch(() => undefined);
        return {};
      })();
    }
    switch (msg?.type) {
      case 'fetch-resource':
        return (async () => ((await fromCapturingTab(sender)) ? fetchResource(msg.url) : { ok: false, status: 0, contentType: null, body: null, error: 'not capturing' }))();
      case 'capture-tab':
        if (!fromExtensionPage(sender)) return undefined;
        return (async () => {
          const tabId = msg.tabId ?? (await activeTabId());
          if (tabId === undefined) return { ok: false, code: 'not-capturable', error: 'There is no tab to capture.' } satisfies CaptureResult;
          return captureTab(tabId, msg.options ?? {}, deps);
        })();
      case 'capture-url':
        if (!fromExtensionPage(sender)) return undefined;
        return captureUrl(msg.url, msg.options ?? {}, deps);
      case 'get-progress':
        if (!fromExtensionPage(sender)) return undefined;
        return browser.storage.session.get('progress').then((r) => r.progress ?? null);
      default:
        return undefined;
    }
  });

  browser.runtime.onInstalled.addListener(() => {
    browser.contextMenus.create({ id: 'capture-page', title: t('contextCapture'), contexts: ['page', 'frame', 'selection', 'link', 'image'] });
  });
  browser.contextMenus.onClicked.addListener((info, tab) => {
    if (info.menuItemId === 'capture-page' && tab?.id !== undefined) void captureTab(tab.id, {}, deps).then(notify);
  });
  browser.commands.onCommand.addListener(async (command) => {
    if (command !== 'capture-page') return;
    const tabId = await activeTabId();
    if (tabId !== undefined) void captureTab(tabId, {}, deps).then(notify);
  });
}

/** Shows the outcome of a capture started without the popup on the toolbar badge. */
function notify(result: CaptureResult): void {
  void browser.action.setBadgeText({ text: result.ok ? '✓' : '!' });
  void browser.action.setBadgeBackgroundColor({ color: result.ok ? '#1b7f3b' : '#b3261e' });
  void browser.action.setTitle({ title: result.ok ? `${t('captureSaved')} ${result.capture.hash.slice(0, 12)}` : result.error });
  setTimeout(() => void browser.action.setBadgeText({ text: '' }), 8_000);
}
