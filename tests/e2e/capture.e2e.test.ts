import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchWithExtension, type LaunchedBrowser } from '../../src/cli/launch';
import { toBackground } from './fixtures';
import { captureChecks, TEST_BROWSER_ARGS, withCapturedArticle } from './capture-checks';
import type { CaptureResult } from '../../src/shared/messages';

export { TEST_BROWSER_ARGS };

describe('capture a page end to end in Chromium', () => {
  let browser: LaunchedBrowser;
  let control: Page;
  const h = withCapturedArticle(async () => {
    browser = await launchWithExtension({ browserArgs: TEST_BROWSER_ARGS });
    control = await browser.openPage('options.html');
    return {
      control,
      send: (message) => toBackground(control, message),
      async openTab(url) {
        const page = await browser.context.newPage();
        // chrome:// pages refuse Playwright's navigation but still open in the tab.
        await page.goto(url).catch(() => undefined);
        const tabId = await control.evaluate(async (u) => (await chrome.tabs.query({})).find((t) => t.url === u)?.id, url);
        if (typeof tabId !== 'number') throw new Error(`no tab shows ${url}`);
        return { tabId, close: () => page.close() };
      },
      close: () => browser.close(),
    };
  });

  captureChecks(h, {
    kinds: ['html-snapshot', 'metadata', 'mhtml', 'screenshot-full', 'screenshot-visible', 'text'],
    browser: { name: 'Chrome', userAgent: /Chrome\// },
    browserPage: 'chrome://version/',
  });

  it('the MHTML artifact is a MIME archive (Chromium only: Firefox has no pageCapture)', async () => {
    const result = h.result();
    const row = (await h.readCaptures()).find((c) => result.ok && c.id === result.capture.id)!;
    const mhtml = (await h.readBlob(row.artifacts.find((a) => a.kind === 'mhtml')!.path)).toString('utf8');
    expect(mhtml).toMatch(/MIME-Version: 1\.0/i);
  });

  it('full screenshot: pictures until two in a row agree; a page that keeps moving is noted', async () => {
    const metaOf = async (url: string) => {
      const r = await h.send<CaptureResult>({ type: 'capture-url', url });
      if (!r.ok) throw new Error(r.error);
      const row = (await h.readCaptures()).find((c) => c.id === r.capture.id)!;
      return JSON.parse((await h.readBlob(row.artifacts.find((a) => a.kind === 'metadata')!.path)).toString('utf8'));
    };
    const still = await metaOf(`${h.origin()}/tall.html?still`);
    expect(still.screenshot.stable).toBe(true);
    expect(still.screenshot.shots).toBeGreaterThanOrEqual(2);
    expect(still.notes.join(' ')).not.toMatch(/kept changing/);
    const moving = await metaOf(`${h.origin()}/moving.html`);
    expect(moving.screenshot.stable).toBe(false);
    expect(moving.screenshot.shots).toBe(3);
    expect(moving.notes.join(' ')).toMatch(/kept changing .*3 pictures/);
  });

  it('the page being captured hears no announcement from the capture script', async () => {
    // WXT's content-script wrapper dispatches "<extension id>:<name>:wxt:content-script-started" on
    // document; our injected scripts are unlisted scripts so that no such event exists.
    const page = await browser.context.newPage();
    await page.goto(`${h.origin()}/tall.html`);
    await page.evaluate((id) => {
      (window as unknown as { heard: string[] }).heard = [];
      for (const name of ['capture-page', 'capture', 'watch', 'watch-scan']) {
        document.addEventListener(`${id}:${name}:wxt:content-script-started`, () => (window as unknown as { heard: string[] }).heard.push(name));
      }
      window.addEventListener('message', (e) => (window as unknown as { heard: string[] }).heard.push(`message:${JSON.stringify(e.data).slice(0, 60)}`));
    }, browser.extensionId);
    const tabId = await control.evaluate(async (u) => (await chrome.tabs.query({ url: u }))[0]?.id, `${h.origin()}/tall.html`);
    const r = await toBackground<CaptureResult>(control, { type: 'capture-tab', tabId });
    expect(r.ok).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { heard: string[] }).heard)).toEqual([]);
    await page.close();
  });

  it('a frame that never finishes loading does not hold the capture hostage', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${h.origin()}/slowframe.html`, { waitUntil: 'domcontentloaded' });
    const tabId = await control.evaluate(async (u) => (await chrome.tabs.query({ url: u }))[0]?.id, `${h.origin()}/slowframe.html`);
    const r = await toBackground<CaptureResult>(control, { type: 'capture-tab', tabId, options: { timeoutMs: 60_000 } });
    if (!r.ok) throw new Error(r.error);
    const row = (await h.readCaptures()).find((c) => c.id === r.capture.id)!;
    const html = (await h.readBlob(row.artifacts.find((a) => a.kind === 'html-snapshot')!.path)).toString('utf8');
    expect(html).toContain('main-document-text');
    await page.close();
  });

  it('a web page cannot trigger a capture or reach the store', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${h.origin()}/tall.html`);
    const reachable = await page.evaluate(() => typeof (globalThis as unknown as { chrome?: { runtime?: { sendMessage?: unknown } } }).chrome?.runtime?.sendMessage);
    // Without externally_connectable a page has no runtime.sendMessage to reach us with.
    expect(reachable).toBe('undefined');
    const probe = await page.evaluate(async (id) => {
      try {
        const r = await fetch(`chrome-extension://${id}/manifest.json`);
        return r.ok ? 'reachable' : 'blocked';
      } catch {
        return 'blocked';
      }
    }, browser.extensionId);
    expect(probe).toBe('blocked');
    await page.close();
  });
});
