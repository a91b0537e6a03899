import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { launchWithExtension, findBrowser, type LaunchedBrowser } from '../../src/cli/launch';
import { startFixtureServers, readBlob, readCaptures, readLedger, toBackground } from './fixtures';
import { pngPixels, pngSize } from './png';
import type { CaptureResult } from '../../src/shared/messages';
import type { CaptureRecord } from '../../src/bundle/format';
import { verifyLedger } from '../../src/ledger/ledger';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
export const TEST_BROWSER_ARGS = ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost'];

describe('capture a page end to end in Chromium', () => {
  let servers: Awaited<ReturnType<typeof startFixtureServers>>;
  let browser: LaunchedBrowser;
  let control: Page;
  let result: CaptureResult;

  beforeAll(async () => {
    servers = await startFixtureServers();
    browser = await launchWithExtension({ browserArgs: TEST_BROWSER_ARGS });
    control = await browser.openPage('options.html');
    result = await toBackground<CaptureResult>(control, { type: 'capture-url', url: `${servers.a.origin}/article.html`, options: { waitMs: 500 } });
  });
  afterAll(async () => {
    await browser?.close();
    await servers?.close();
  });

  it('reports success with a hash and every artifact kind', () => {
    if (!result.ok) throw new Error(result.error);
    expect(result.capture.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.capture.artifacts.map((a) => a.kind).sort()).toEqual(
      ['html-snapshot', 'metadata', 'mhtml', 'screenshot-full', 'screenshot-visible', 'text'].sort(),
    );
  });

  it('stores a record whose hash is the SHA-256 of record.json and whose artifacts match their bytes', async () => {
    const row = (await readCaptures(control)).find((c) => result.ok && c.id === result.capture.id);
    expect(row).toBeDefined();
    expect(sha256(row!.recordJson)).toBe(row!.hash);
    const record = JSON.parse(row!.recordJson) as CaptureRecord;
    expect(record.url).toBe(`${servers.a.origin}/article.html`);
    expect(record.page.title).toContain('健康码');
    expect(record.page.author).toBe('林晓');
    expect(record.page.publishedAt).toBe('2022-06-15T01:30:00.000Z');
    for (const a of record.artifacts) {
      const bytes = await readBlob(control, a.path);
      expect(bytes.length, a.path).toBe(a.size);
      expect(sha256(bytes), a.path).toBe(a.sha256);
    }
  });

  it('keeps an unbroken custody ledger with a captured event', async () => {
    const events = await readLedger(control);
    expect((await verifyLedger(events)).ok).toBe(true);
    const captured = events.filter((e) => e.type === 'captured');
    expect(captured).toHaveLength(1);
    expect(captured[0]!.payload.hash).toBe(result.ok && result.capture.hash);
  });

  it('snapshot holds what scripts made: late paragraph, shadow root, canvas, lazy images, cross-origin frame', async () => {
    const [row] = await readCaptures(control);
    const html = (await readBlob(control, row!.artifacts.find((a) => a.kind === 'html-snapshot')!.path)).toString('utf8');
    expect(html).toContain('added-after-load');
    expect(html).toMatch(/<template shadowrootmode="open"[^>]*>[\s\S]*shadow-root-text/);
    expect(html).toContain('cross-origin-frame-text');
    // Canvas pixels become an image; lazy and frame images are inlined as data: URIs (3 distinct PNGs + canvas).
    const pngs = new Set(html.match(/data:image\/png;base64,[A-Za-z0-9+/=]{40,}/g) ?? []);
    expect(pngs.size).toBeGreaterThanOrEqual(4);
    expect(html).not.toMatch(/\ssrc="\/img\//);
  });

  it('snapshot runs no script: no script elements, handlers or javascript: URLs, and a CSP that forbids them', async () => {
    const [row] = await readCaptures(control);
    const html = (await readBlob(control, row!.artifacts.find((a) => a.kind === 'html-snapshot')!.path)).toString('utf8');
    expect(html).not.toMatch(/<script(?![^>]*application\/ld\+json)/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
    expect(html).toMatch(/http-equiv="Content-Security-Policy"[^>]*script-src 'none'/);
  });

  it('opening the snapshot in a browser runs nothing and fetches nothing', async () => {
    const [row] = await readCaptures(control);
    const html = (await readBlob(control, row!.artifacts.find((a) => a.kind === 'html-snapshot')!.path)).toString('utf8');
    const plain: Browser = await chromium.launch({ executablePath: findBrowser(), headless: true, args: ['--no-sandbox', ...TEST_BROWSER_ARGS] });
    try {
      const page = await plain.newPage();
      const requests: string[] = [];
      page.on('request', (r) => { if (!r.url().startsWith('data:') && r.url() !== 'about:blank') requests.push(r.url()); });
      await page.setContent(html, { waitUntil: 'load' });
      await page.waitForTimeout(500);
      expect(await page.evaluate(() => (window as unknown as { __jzRan?: boolean }).__jzRan)).toBeUndefined();
      expect(await page.evaluate(() => document.documentElement.getAttribute('data-run-count'))).toBe('1');
      // The live page's handler ran once (its image failed); the snapshot's copy must not run again.
      expect(await page.evaluate(() => document.documentElement.getAttribute('data-onerror-count'))).toBe('1');
      expect(await page.locator('#late').textContent()).toContain('added-after-load');
      expect(requests).toEqual([]);
    } finally {
      await plain.close();
    }
  });

  it('full screenshot covers the whole scroll height; visible screenshot is the viewport', async () => {
    const [row] = await readCaptures(control);
    const full = pngSize(await readBlob(control, row!.artifacts.find((a) => a.kind === 'screenshot-full')!.path));
    const visible = pngSize(await readBlob(control, row!.artifacts.find((a) => a.kind === 'screenshot-visible')!.path));
    expect(full.height).toBeGreaterThan(5000);
    expect(visible.height).toBeLessThan(1000);
    expect(full.width).toBe(visible.width);
  });

  it('full screenshot shows the page below the fold, not the first screen repeated', async () => {
    // tall.html is a 5000 px gradient from white to red: the bottom of the picture must be red.
    const r = await toBackground<CaptureResult>(control, { type: 'capture-url', url: `${servers.a.origin}/tall.html` });
    if (!r.ok) throw new Error(r.error);
    const rows = await readCaptures(control);
    const row = rows.find((c) => c.id === r.capture.id)!;
    const png = pngPixels(await readBlob(control, row.artifacts.find((a) => a.kind === 'screenshot-full')!.path));
    expect(png.height).toBeGreaterThanOrEqual(5000);
    const [rTop, gTop] = png.pixel(5, 50);
    const [rBottom, gBottom] = png.pixel(5, 4950);
    expect(rTop).toBeGreaterThan(240);
    expect(gTop).toBeGreaterThan(230);
    expect(rBottom).toBeGreaterThan(150);
    expect(gBottom).toBeLessThan(80);
  });

  it('metadata and text artifacts carry the page facts and the HTTP response', async () => {
    const [row] = await readCaptures(control);
    const meta = JSON.parse((await readBlob(control, row!.artifacts.find((a) => a.kind === 'metadata')!.path)).toString('utf8'));
    expect(meta.requestedUrl).toBe(`${servers.a.origin}/article.html`);
    expect(meta.finalUrl).toBe(`${servers.a.origin}/article.html`);
    expect(meta.canonicalUrl).toBe(`${servers.a.origin}/news/2022/red-code.html`);
    expect(meta.siteName).toBe('中原观察');
    expect(meta.lang).toMatch(/^zh/);
    expect(meta.capturedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(meta.tool.name).toBe('Jianzheng');
    expect(meta.browser.userAgent).toMatch(/Chrome\//);
    expect(meta.viewport.width).toBeGreaterThan(0);
    expect(meta.http.status).toBe(200);
    expect(meta.http.ip).toBe('127.0.0.1');
    expect(meta.http.headers.find((h: { name: string }) => h.name.toLowerCase() === 'x-fixture')?.value).toBe('jianzheng');
    const text = (await readBlob(control, row!.artifacts.find((a) => a.kind === 'text')!.path)).toString('utf8');
    expect(text).toContain('村镇银行');
    const mhtml = (await readBlob(control, row!.artifacts.find((a) => a.kind === 'mhtml')!.path)).toString('utf8');
    expect(mhtml).toMatch(/MIME-Version: 1\.0/i);
  });

  it('a page that cannot be captured leaves no record and says why', async () => {
    const before = { captures: (await readCaptures(control)).length, ledger: (await readLedger(control)).length };
    const chromePage = await browser.context.newPage();
    await chromePage.goto('chrome://version').catch(() => undefined);
    const tabId = await control.evaluate(async () => (await chrome.tabs.query({ url: 'chrome://version/' }))[0]?.id);
    const r1 = await toBackground<CaptureResult>(control, { type: 'capture-tab', tabId });
    expect(r1.ok).toBe(false);
    if (!r1.ok) {
      expect(r1.code).toBe('not-capturable');
      expect(r1.error).toMatch(/cannot be captured/);
    }
    const r2 = await toBackground<CaptureResult>(control, { type: 'capture-url', url: 'http://unknown-host.invalid/' });
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.code).toBe('navigation-failed');
    expect((await readCaptures(control)).length).toBe(before.captures);
    expect((await readLedger(control)).length).toBe(before.ledger);
  });

  it('a tab closed mid-capture leaves no record', async () => {
    const before = (await readCaptures(control)).length;
    const page = await browser.context.newPage();
    await page.goto(`${servers.a.origin}/tall.html`);
    const tabId = await control.evaluate(async (u) => (await chrome.tabs.query({ url: u }))[0]?.id, `${servers.a.origin}/tall.html`);
    const pending = toBackground<CaptureResult>(control, { type: 'capture-tab', tabId });
    await page.waitForTimeout(150);
    await page.close();
    const r = await pending;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe('tab-closed');
    expect((await readCaptures(control)).length).toBe(before);
    expect((await verifyLedger(await readLedger(control))).ok).toBe(true);
  });

  it('the page being captured hears no announcement from the capture script', async () => {
    // WXT's content-script wrapper dispatches "<extension id>:<name>:wxt:content-script-started" on
    // document; our injected scripts are unlisted scripts so that no such event exists.
    const page = await browser.context.newPage();
    await page.goto(`${servers.a.origin}/tall.html`);
    await page.evaluate((id) => {
      (window as unknown as { heard: string[] }).heard = [];
      for (const name of ['capture-page', 'capture', 'watch', 'watch-scan']) {
        document.addEventListener(`${id}:${name}:wxt:content-script-started`, () => (window as unknown as { heard: string[] }).heard.push(name));
      }
      window.addEventListener('message', (e) => (window as unknown as { heard: string[] }).heard.push(`message:${JSON.stringify(e.data).slice(0, 60)}`));
    }, browser.extensionId);
    const tabId = await control.evaluate(async (u) => (await chrome.tabs.query({ url: u }))[0]?.id, `${servers.a.origin}/tall.html`);
    const r = await toBackground<CaptureResult>(control, { type: 'capture-tab', tabId });
    expect(r.ok).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { heard: string[] }).heard)).toEqual([]);
    await page.close();
  });

  it('a frame that never finishes loading does not hold the capture hostage', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${servers.a.origin}/slowframe.html`, { waitUntil: 'domcontentloaded' });
    const tabId = await control.evaluate(async (u) => (await chrome.tabs.query({ url: u }))[0]?.id, `${servers.a.origin}/slowframe.html`);
    const r = await toBackground<CaptureResult>(control, { type: 'capture-tab', tabId, options: { timeoutMs: 60_000 } });
    if (!r.ok) throw new Error(r.error);
    const row = (await readCaptures(control)).find((c) => c.id === r.capture.id)!;
    const html = (await readBlob(control, row.artifacts.find((a) => a.kind === 'html-snapshot')!.path)).toString('utf8');
    expect(html).toContain('main-document-text');
    await page.close();
  });

  it('a web page cannot trigger a capture or reach the store', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${servers.a.origin}/tall.html`);
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
