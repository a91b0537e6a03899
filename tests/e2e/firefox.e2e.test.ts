import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Page as PlaywrightPage } from 'playwright-core';
import type { Page } from 'puppeteer-core';
import { launchFirefoxWithExtension, type LaunchedFirefox } from './firefox-launch';
import { startFixtureServers, readBlob as readBlobPw, readCaptures as readCapturesPw, readLedger as readLedgerPw } from './fixtures';
import { pngPixels, pngSize } from './png';
import type { CaptureResult } from '../../src/shared/messages';
import type { CaptureRecord } from '../../src/bundle/format';
import { verifyLedger } from '../../src/ledger/ledger';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const ROOT = resolve(import.meta.dirname, '../..');

// The IndexedDB readers in fixtures.ts only call page.evaluate(fn, arg), which puppeteer's Page
// has with the same meaning; they are shared so both browsers are checked the same way.
const pw = (p: Page) => p as unknown as PlaywrightPage;
const readCaptures = (p: Page) => readCapturesPw(pw(p));
const readLedger = (p: Page) => readLedgerPw(pw(p));
const readBlob = (p: Page, path: string) => readBlobPw(pw(p), path);

/** Sends a request to the background from an extension page, as the popup does (Firefox's `browser`). */
function toBackground<T>(page: Page, message: unknown): Promise<T> {
  return page.evaluate((m) => (globalThis as unknown as { browser: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).browser.runtime.sendMessage(m), message as never) as Promise<T>;
}

// The global setup builds for Chrome only; users load this build into Firefox. File-level, so that
// each describe below (or one picked with -t) tests a fresh build.
beforeAll(() => {
  execFileSync(process.execPath, [resolve(ROOT, 'node_modules/wxt/bin/wxt.mjs'), 'build', '-b', 'firefox', '--mv3'], { cwd: ROOT, stdio: 'pipe' });
});

describe('capture a page end to end in Firefox', () => {
  let servers: Awaited<ReturnType<typeof startFixtureServers>>;
  let firefox: LaunchedFirefox;
  let control: Page;
  let result: CaptureResult;

  beforeAll(async () => {
    servers = await startFixtureServers();
    firefox = await launchFirefoxWithExtension();
    control = await firefox.openPage('export.html');
    result = await toBackground<CaptureResult>(control, { type: 'capture-url', url: `${servers.a.origin}/article.html`, options: { waitMs: 500 } });
  });
  /** The id of the tab showing `url`, as the extension sees it. */
  async function tabIdOf(url: string): Promise<number> {
    // All tabs, matched here: tabs.query's url filter takes match patterns, which exclude about:.
    const id = await control.evaluate(
      async (u) => (await (globalThis as unknown as { browser: { tabs: { query(q: object): Promise<{ id?: number; url?: string }[]> } } }).browser.tabs.query({})).find((t) => t.url === u)?.id,
      url,
    );
    if (typeof id !== 'number') throw new Error(`no tab shows ${url}`);
    return id;
  }

  afterAll(async () => {
    await firefox?.close();
    await servers?.close();
  });

  it('reports success with every artifact Firefox can make, and says why MHTML is missing', () => {
    if (!result.ok) throw new Error(result.error);
    expect(result.capture.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.capture.artifacts.map((a) => a.kind).sort()).toEqual(['html-snapshot', 'metadata', 'screenshot-full', 'screenshot-visible', 'text'].sort());
    expect(result.capture.notes.join('\n')).toMatch(/MHTML is not offered/);
  });

  it('stores a record whose hash is the SHA-256 of record.json and whose artifacts match their bytes', async () => {
    const row = (await readCaptures(control)).find((c) => result.ok && c.id === result.capture.id);
    expect(row).toBeDefined();
    expect(sha256(row!.recordJson)).toBe(row!.hash);
    expect(row!.hash).toBe(result.ok && result.capture.hash);
    const record = JSON.parse(row!.recordJson) as CaptureRecord;
    expect(record.url).toBe(`${servers.a.origin}/article.html`);
    expect(record.page.title).toContain('健康码');
    expect(record.artifacts).toHaveLength(5);
    for (const a of record.artifacts) {
      const bytes = await readBlob(control, a.path);
      expect(bytes.length, a.path).toBe(a.size);
      expect(sha256(bytes), a.path).toBe(a.sha256);
    }
  });

  it('keeps an unbroken custody ledger with the captured event', async () => {
    const events = await readLedger(control);
    expect((await verifyLedger(events)).ok).toBe(true);
    const captured = events.filter((e) => e.type === 'captured');
    expect(captured).toHaveLength(1);
    expect(captured[0]!.payload.hash).toBe(result.ok && result.capture.hash);
  });

  it('snapshot holds what scripts made and the cross-origin frame, and runs no script', async () => {
    const [row] = await readCaptures(control);
    const html = (await readBlob(control, row!.artifacts.find((a) => a.kind === 'html-snapshot')!.path)).toString('utf8');
    expect(html).toContain('added-after-load');
    // Only reachable through SingleFile's frame relay in the background.
    expect(html).toContain('cross-origin-frame-text');
    expect(html).toMatch(/<template shadowrootmode="open"[^>]*>[\s\S]*shadow-root-text/);
    // Canvas pixels become an image; lazy and frame images are inlined as data: URIs (3 distinct PNGs + canvas).
    expect(new Set(html.match(/data:image\/png;base64,[A-Za-z0-9+/=]{40,}/g) ?? []).size).toBeGreaterThanOrEqual(4);
    expect(html).not.toMatch(/\ssrc="\/img\//);
    expect(html).not.toMatch(/<script(?![^>]*application\/ld\+json)/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).toMatch(/http-equiv="Content-Security-Policy"[^>]*script-src 'none'/);
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
    const row = (await readCaptures(control)).find((c) => c.id === r.capture.id)!;
    const png = pngPixels(await readBlob(control, row.artifacts.find((a) => a.kind === 'screenshot-full')!.path));
    expect(png.height).toBeGreaterThanOrEqual(5000);
    const [rTop, gTop] = png.pixel(5, 50);
    const [rBottom, gBottom] = png.pixel(5, 4950);
    expect(rTop).toBeGreaterThan(240);
    expect(gTop).toBeGreaterThan(230);
    expect(rBottom).toBeGreaterThan(150);
    expect(gBottom).toBeLessThan(80);
  });

  it('captures a tab the user opened (capture-tab), with its HTTP response', async () => {
    const page = await firefox.browser.newPage();
    const url = `${servers.a.origin}/tall.html?opened-by-user`;
    await page.goto(url);
    const tabId = await tabIdOf(url);
    const r = await toBackground<CaptureResult>(control, { type: 'capture-tab', tabId });
    await page.close();
    if (!r.ok) throw new Error(r.error);
    expect(r.capture.finalUrl).toBe(url);
    const row = (await readCaptures(control)).find((c) => c.id === r.capture.id)!;
    const meta = JSON.parse((await readBlob(control, row.artifacts.find((a) => a.kind === 'metadata')!.path)).toString('utf8'));
    expect(meta.http?.status).toBe(200);
  });

  it('"Capture a post": the picker works in Firefox and the element is cut out of the full screenshot', async () => {
    const page = await firefox.browser.newPage();
    const url = `${servers.a.origin}/thread.html`;
    await page.goto(url);
    const pending = toBackground<CaptureResult>(control, { type: 'capture-tab', tabId: await tabIdOf(url), options: { mode: 'element' } });
    // Hover the second comment's text and click it, as a user would.
    await page.waitForSelector('[data-jianzheng-picker]', { timeout: 20_000 });
    const box = (await (await page.$('#c2 p'))!.boundingBox())!;
    await page.mouse.move(box.x + 10, box.y + box.height / 2);
    await page.mouse.click(box.x + 10, box.y + box.height / 2);
    const r = await pending;
    if (!r.ok) throw new Error(r.error);
    expect(r.capture.artifacts.map((a) => a.kind)).toEqual(expect.arrayContaining(['element-snapshot', 'element-screenshot', 'html-snapshot']));
    const row = (await readCaptures(control)).find((c) => c.id === r.capture.id)!;
    const html = (await readBlob(control, row.artifacts.find((a) => a.kind === 'element-snapshot')!.path)).toString('utf8');
    expect(html).toContain('储户乙');
    expect(html).not.toContain('转码申诉');
    const png = pngSize(await readBlob(control, row.artifacts.find((a) => a.kind === 'element-screenshot')!.path));
    const c2 = (await (await page.$('#c2'))!.boundingBox())!;
    expect(Math.abs(png.width - c2.width)).toBeLessThanOrEqual(2);
    expect(Math.abs(png.height - c2.height)).toBeLessThanOrEqual(2);
    expect(await page.$$eval('[data-jianzheng-picker], [data-single-file-selected-content]', (l) => l.length)).toBe(0);
    await page.close();
  });

  it('the library lists the capture and shows its snapshot in a frame that can run no script', async () => {
    const library = await firefox.openPage('library.html');
    const id = result.ok ? result.capture.id : '';
    const item = `[data-testid="capture-item"][data-id="${id}"]`;
    await library.waitForSelector(item, { timeout: 20_000 });
    await library.click(item);
    await library.waitForSelector('[data-testid="snapshot-frame"]', { timeout: 15_000 });
    const frame = await library.$eval('[data-testid="snapshot-frame"]', (f) => ({ sandbox: f.getAttribute('sandbox'), srcdoc: f.getAttribute('srcdoc') ?? '' }));
    expect(frame.sandbox).not.toBeNull();
    expect(frame.sandbox!.split(/\s+/)).not.toContain('allow-scripts');
    expect(frame.sandbox!.split(/\s+/)).not.toContain('allow-same-origin');
    expect(frame.srcdoc).toContain('added-after-load');
    await library.close();
  });

  it('metadata names Firefox and carries the HTTP response; text holds the article', async () => {
    const [row] = await readCaptures(control);
    const meta = JSON.parse((await readBlob(control, row!.artifacts.find((a) => a.kind === 'metadata')!.path)).toString('utf8'));
    expect(meta.browser.name).toBe('Firefox');
    expect(meta.browser.userAgent).toMatch(/Firefox\//);
    expect(meta.finalUrl).toBe(`${servers.a.origin}/article.html`);
    expect(meta.http.status).toBe(200);
    expect(meta.http.headers.find((h: { name: string }) => h.name.toLowerCase() === 'x-fixture')?.value).toBe('jianzheng');
    const text = (await readBlob(control, row!.artifacts.find((a) => a.kind === 'text')!.path)).toString('utf8');
    expect(text).toContain('村镇银行');
  });

  it('an unknown host fails fast as a navigation failure and leaves no record', async () => {
    const before = { captures: (await readCaptures(control)).length, ledger: (await readLedger(control)).length };
    const started = Date.now();
    const r = await toBackground<CaptureResult>(control, { type: 'capture-url', url: 'http://unknown-host.invalid/' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe('navigation-failed');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect((await readCaptures(control)).length).toBe(before.captures);
    expect((await readLedger(control)).length).toBe(before.ledger);
  });

  it('a browser page cannot be captured and says why', async () => {
    const page = await firefox.browser.newPage();
    await page.goto('about:blank');
    const tabId = await tabIdOf('about:blank');
    const r = await toBackground<CaptureResult>(control, { type: 'capture-tab', tabId });
    await page.close();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe('not-capturable');
  });

  it('a tab closed mid-capture leaves no record', async () => {
    const before = (await readCaptures(control)).length;
    const page = await firefox.browser.newPage();
    const url = `${servers.a.origin}/tall.html?closed`;
    await page.goto(url);
    const tabId = await tabIdOf(url);
    const pending = toBackground<CaptureResult>(control, { type: 'capture-tab', tabId });
    await new Promise((r) => setTimeout(r, 150));
    await page.close();
    const r = await pending;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe('tab-closed');
    expect((await readCaptures(control)).length).toBe(before);
    expect((await verifyLedger(await readLedger(control))).ok).toBe(true);
  });

  it('a tab that is already gone is reported as closed, in Firefox\'s words too', async () => {
    // Firefox says "Invalid tab ID: n" where Chrome says "No tab with id: n".
    const r = await toBackground<CaptureResult>(control, { type: 'capture-tab', tabId: 99_999 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe('tab-closed');
  });

  it('a web page cannot reach the extension or its files', async () => {
    const page = await firefox.browser.newPage();
    await page.goto(`${servers.a.origin}/tall.html`);
    expect(await page.evaluate(() => typeof (globalThis as unknown as { browser?: unknown }).browser)).toBe('undefined');
    const probe = await page.evaluate(async (origin) => {
      try {
        const r = await fetch(`${origin}manifest.json`);
        return r.ok ? 'reachable' : 'blocked';
      } catch {
        return 'blocked';
      }
    }, firefox.origin);
    expect(probe).toBe('blocked');
    await page.close();
  });
});

describe('Firefox on a HiDPI screen (device pixel ratio 2)', () => {
  let servers: Awaited<ReturnType<typeof startFixtureServers>>;
  let firefox: LaunchedFirefox;

  beforeAll(async () => {
    servers = await startFixtureServers();
    firefox = await launchFirefoxWithExtension({ prefs: { 'layout.css.devPixelsPerPx': '2.0' } });
  });
  afterAll(async () => {
    await firefox?.close();
    await servers?.close();
  });

  it('the full screenshot is in device pixels, like the visible one', async () => {
    const control = await firefox.openPage('export.html');
    const r = await toBackground<CaptureResult>(control, { type: 'capture-url', url: `${servers.a.origin}/tall.html` });
    if (!r.ok) throw new Error(r.error);
    const row = (await readCaptures(control)).find((c) => c.id === r.capture.id)!;
    const full = pngSize(await readBlob(control, row.artifacts.find((a) => a.kind === 'screenshot-full')!.path));
    const visible = pngSize(await readBlob(control, row.artifacts.find((a) => a.kind === 'screenshot-visible')!.path));
    const meta = JSON.parse((await readBlob(control, row.artifacts.find((a) => a.kind === 'metadata')!.path)).toString('utf8'));
    expect(meta.viewport.devicePixelRatio).toBe(2);
    expect(full.width).toBe(visible.width);
    expect(full.width).toBe(2 * meta.screenshot.width);
    expect(full.height).toBe(2 * meta.screenshot.height);
  });
});
