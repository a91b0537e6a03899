import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import type { CaptureResult } from '../../src/shared/messages';

// The capture itself is tested end to end; here only what starts one: the context menu, the
// keyboard command and messages, and who may send them.
const captureTab = vi.fn<(tabId: number, options: unknown, deps: unknown) => Promise<CaptureResult>>();
vi.mock('../../src/capture/orchestrator', () => ({ captureTab: (...a: [number, unknown, unknown]) => captureTab(...a), isCapturing: async () => false }));
vi.mock('../../src/capture/netinfo', () => ({ initNetInfo: () => {} }));

const { initCaptureService } = await import('../../src/capture/background');

/** A browser event whose listeners the test can fire. */
function event<A extends unknown[]>() {
  const listeners: ((...a: A) => unknown)[] = [];
  return { addListener: (f: (...a: A) => unknown) => void listeners.push(f), removeListener: () => {}, hasListener: () => listeners.length > 0, fire: (...a: A) => Promise.all(listeners.map((f) => f(...a))) };
}

const ok: CaptureResult = { ok: true, capture: { id: 'c1', hash: 'ab'.repeat(32) } } as unknown as CaptureResult;
const failed: CaptureResult = { ok: false, code: 'not-capturable', error: 'This page cannot be captured.' };
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('what starts a capture in the background', () => {
  let menus: { created: unknown[]; onClicked: ReturnType<typeof event<[{ menuItemId: string }, { id?: number } | undefined]>> };
  let onCommand: ReturnType<typeof event<[string]>>;
  let badge: { text: string; title: string };
  const deps = {} as never;

  beforeEach(() => {
    fakeBrowser.reset();
    captureTab.mockReset();
    menus = { created: [], onClicked: event() };
    onCommand = event();
    badge = { text: '', title: '' };
    const b = fakeBrowser as unknown as Record<string, unknown>;
    b.contextMenus = { create: (p: unknown) => void menus.created.push(p), onClicked: menus.onClicked };
    b.commands = { onCommand };
    b.action = {
      setBadgeText: async ({ text }: { text: string }) => void (badge.text = text),
      setBadgeBackgroundColor: async () => {},
      setTitle: async ({ title }: { title: string }) => void (badge.title = title),
    };
    b.i18n = { getMessage: (k: string) => (k === 'captureSaved' ? 'Saved' : '') };
    b.windows = { getLastFocused: async () => ({ id: 3 }) };
    b.tabs = { ...(b.tabs as object), query: async (q: { windowId?: number; active?: boolean }) => (q.windowId === 3 && q.active ? [{ id: 42 }] : []) };
    initCaptureService(deps);
  });

  it('registers the page context menu and captures the tab it was used in', async () => {
    await fakeBrowser.runtime.onInstalled.trigger({ reason: 'install' } as never);
    expect(menus.created).toEqual([expect.objectContaining({ id: 'capture-page', contexts: expect.arrayContaining(['page', 'selection', 'link', 'image']) })]);
    captureTab.mockResolvedValue(ok);
    await menus.onClicked.fire({ menuItemId: 'capture-page' }, { id: 7 });
    await flush();
    expect(captureTab).toHaveBeenCalledTimes(1);
    expect(captureTab.mock.calls[0]![0]).toBe(7);
    expect(badge.text).toBe('✓');
    expect(badge.title).toContain('Saved abababababab');
    // Another extension's menu item, or no tab: nothing is captured.
    await menus.onClicked.fire({ menuItemId: 'something-else' }, { id: 7 });
    await menus.onClicked.fire({ menuItemId: 'capture-page' }, undefined);
    expect(captureTab).toHaveBeenCalledTimes(1);
  });

  it('captures the focused window\'s active tab on the keyboard command, and shows a failure on the badge', async () => {
    captureTab.mockResolvedValue(failed);
    await onCommand.fire('some-other-command');
    expect(captureTab).not.toHaveBeenCalled();
    await onCommand.fire('capture-page');
    await flush();
    expect(captureTab).toHaveBeenCalledTimes(1);
    expect(captureTab.mock.calls[0]![0]).toBe(42);
    expect(badge.text).toBe('!');
    expect(badge.title).toBe('This page cannot be captured.');
  });

  it('takes capture requests only from the extension\'s own pages', async () => {
    captureTab.mockResolvedValue(ok);
    const own = { id: fakeBrowser.runtime.id, url: fakeBrowser.runtime.getURL('/popup.html') };
    const page = { id: fakeBrowser.runtime.id, url: 'https://news.example/zhengzhou', tab: { id: 9 } };
    const other = { id: 'another-extension', url: 'chrome-extension://another-extension/x.html' };
    const send = async (sender: object) => (await fakeBrowser.runtime.onMessage.trigger({ type: 'capture-tab', tabId: 5 }, sender as never)).find((r) => r !== undefined);
    expect(await send(page)).toBeUndefined(); // a content script (a web page's tab)
    expect(await send(other)).toBeUndefined();
    expect(captureTab).not.toHaveBeenCalled();
    expect(await send(own)).toEqual(ok);
    expect(captureTab.mock.calls[0]![0]).toBe(5);
  });
});
