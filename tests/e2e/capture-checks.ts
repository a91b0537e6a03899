/**
 * The checks every browser's capture of the fixture article must pass, registered as `it` cases
 * inside a browser's describe block (capture.e2e.test.ts for Chromium, firefox.e2e.test.ts for
 * Firefox). Each file keeps only what differs between the browsers; what a capture must be does not.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { chromium, type Page } from 'playwright-core';
import { findBrowser } from '../../src/cli/launch';
import { verifyLedger } from '../../src/ledger/ledger';
import { readBlob, readCaptures, readLedger, readStore, startFixtureServers } from './fixtures';
import { crc32 } from '../../src/bundle/zip-writer';
import { pngPixels, pngSize } from './png';
import type { ArtifactEntry, CaptureRecord } from '../../src/bundle/format';
import type { LedgerEvent } from '../../src/ledger/types';
import type { CaptureResult } from '../../src/shared/messages';
import type { BlobRow, CaptureRow } from '../../src/store/schema';

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Keeps the plain browsers the tests start away from any host but the local fixture servers. */
export const TEST_BROWSER_ARGS = ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost'];

/** How the checks reach one browser running the extension (made by withCapturedArticle). */
export interface CaptureHarness {
  /** Origin A of startFixtureServers(), which serves article.html and tall.html. */
  origin(): string;
  /** The capture of `${origin}/article.html` made in beforeAll, before any other capture. */
  result(): CaptureResult;
  /** Sends a message to the background from an extension page, as the popup does. */
  send<T>(message: unknown): Promise<T>;
  readCaptures(): Promise<CaptureRow[]>;
  readLedger(): Promise<LedgerEvent[]>;
  readBlob(path: string): Promise<Buffer>;
  /** The `blobs` rows (without inline bytes). */
  readBlobRows(): Promise<BlobRow[]>;
  /** Opens `url` in a new tab as a user would; its id is the extension's tab id. */
  openTab(url: string): Promise<{ tabId: number; close(): Promise<void> }>;
}

/** One browser running the extension, as a file's launcher hands it over. */
export interface BrowserUnderTest {
  /**
   * An extension page; fixtures.ts's IndexedDB readers run in it. They only call
   * page.evaluate(fn, arg), which puppeteer's Page has with the same meaning as Playwright's.
   */
  control: Page;
  send<T>(message: unknown): Promise<T>;
  openTab: CaptureHarness['openTab'];
  close(): Promise<void>;
}

/**
 * Registers the describe block's beforeAll/afterAll: the fixture servers, the browser `launch`
 * starts, and a capture of article.html before anything else, which every check reads.
 */
export function withCapturedArticle(launch: () => Promise<BrowserUnderTest>): CaptureHarness {
  let servers: Awaited<ReturnType<typeof startFixtureServers>>;
  let b: BrowserUnderTest;
  let result: CaptureResult;
  beforeAll(async () => {
    servers = await startFixtureServers();
    b = await launch();
    result = await b.send<CaptureResult>({ type: 'capture-url', url: `${servers.a.origin}/article.html`, options: { waitMs: 500 } });
  });
  afterAll(async () => {
    await b?.close();
    await servers?.close();
  });
  return {
    origin: () => servers.a.origin,
    result: () => result,
    send: (message) => b.send(message),
    readCaptures: () => readCaptures(b.control),
    readLedger: () => readLedger(b.control),
    readBlob: (path) => readBlob(b.control, path),
    readBlobRows: () => readStore<BlobRow>(b.control, 'blobs'),
    openTab: (url) => b.openTab(url),
  };
}

/** What differs between the browsers in what they make. */
export interface CaptureExpectations {
  /** Artifact kinds a capture of article.html has. */
  kinds: ArtifactEntry['kind'][];
  /** The browser as the metadata names it. */
  browser: { name: string; userAgent: RegExp };
  /** A page of the browser's own that no extension may read, as its tab reports its URL. */
  browserPage: string;
}

export function captureChecks(h: CaptureHarness, want: CaptureExpectations): void {
  const captureOf = async (id: string) => {
    const row = (await h.readCaptures()).find((c) => c.id === id);
    if (!row) throw new Error(`no capture ${id} in the store`);
    return row;
  };
  const article = () => {
    const r = h.result();
    if (!r.ok) throw new Error(r.error);
    return captureOf(r.capture.id);
  };
  const artifact = async (row: CaptureRow, kind: ArtifactEntry['kind']) => {
    const a = row.artifacts.find((x) => x.kind === kind);
    if (!a) throw new Error(`capture ${row.id} has no ${kind}`);
    return h.readBlob(a.path);
  };
  const articleHtml = async () => (await artifact(await article(), 'html-snapshot')).toString('utf8');

  it('reports success with a hash and every artifact kind', () => {
    const result = h.result();
    if (!result.ok) throw new Error(result.error);
    expect(result.capture.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.capture.artifacts.map((a) => a.kind).sort()).toEqual([...want.kinds].sort());
  });

  it('stores a record whose hash is the SHA-256 of record.json and whose artifacts match their bytes', async () => {
    const result = h.result();
    const row = (await h.readCaptures()).find((c) => result.ok && c.id === result.capture.id);
    expect(row).toBeDefined();
    expect(sha256(row!.recordJson)).toBe(row!.hash);
    expect(row!.hash).toBe(result.ok && result.capture.hash);
    const record = JSON.parse(row!.recordJson) as CaptureRecord;
    expect(record.url).toBe(`${h.origin()}/article.html`);
    expect(record.page.title).toContain('健康码');
    expect(record.page.author).toBe('林晓');
    expect(record.page.publishedAt).toBe('2022-06-15T01:30:00.000Z');
    expect(record.artifacts).toHaveLength(want.kinds.length);
    for (const a of record.artifacts) {
      const bytes = await h.readBlob(a.path);
      expect(bytes.length, a.path).toBe(a.size);
      expect(sha256(bytes), a.path).toBe(a.sha256);
    }
  });

  it('keeps the capture in one OPFS file of zip entries: compressible ones deflated', async () => {
    const row = await article();
    expect(row.chunk?.record.size).toBe(Buffer.byteLength(row.recordJson));
    const rows = (await h.readBlobRows()).filter((b) => b.captureId === row.id);
    expect(rows.map((b) => b.path).sort()).toEqual(row.artifacts.map((a) => a.path).sort());
    for (const b of rows) {
      const a = row.artifacts.find((x) => x.path === b.path)!;
      expect(b.file, b.path).toBe(1);
      expect(b.zip!.size, b.path).toBe(a.size);
      expect(b.zip!.crc, b.path).toBe(crc32(await h.readBlob(b.path)));
    }
    const kind = (k: ArtifactEntry['kind']) => rows.find((b) => b.path === row.artifacts.find((a) => a.kind === k)!.path)!;
    expect(kind('html-snapshot').zip!.method).toBe(8);
    expect(kind('html-snapshot').zip!.csize).toBeLessThan(kind('html-snapshot').zip!.size);
    expect(kind('screenshot-visible').zip!.method).toBe(0);
  });

  it('keeps an unbroken custody ledger with one captured event', async () => {
    const result = h.result();
    const events = await h.readLedger();
    expect((await verifyLedger(events)).ok).toBe(true);
    const captured = events.filter((e) => e.type === 'captured');
    expect(captured).toHaveLength(1);
    expect(captured[0]!.payload.hash).toBe(result.ok && result.capture.hash);
  });

  it('snapshot holds what scripts made: late paragraph, shadow root, canvas, lazy images, cross-origin frame', async () => {
    const html = await articleHtml();
    expect(html).toContain('added-after-load');
    expect(html).toMatch(/<template shadowrootmode="open"[^>]*>[\s\S]*shadow-root-text/);
    // Only reachable through SingleFile's frame relay in the background.
    expect(html).toContain('cross-origin-frame-text');
    // Canvas pixels become an image; lazy and frame images are inlined as data: URIs (3 distinct PNGs + canvas).
    const pngs = new Set(html.match(/data:image\/png;base64,[A-Za-z0-9+/=]{40,}/g) ?? []);
    expect(pngs.size).toBeGreaterThanOrEqual(4);
    expect(html).not.toMatch(/\ssrc="\/img\//);
  });

  it('snapshot runs no script: no script elements, handlers or javascript: URLs, and a CSP that forbids them', async () => {
    const html = await articleHtml();
    expect(html).not.toMatch(/<script(?![^>]*application\/ld\+json)/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
    expect(html).toMatch(/http-equiv="Content-Security-Policy"[^>]*script-src 'none'/);
  });

  it('opening the snapshot in a browser runs nothing and fetches nothing', async () => {
    const html = await articleHtml();
    // A plain Chromium without the extension, as a recipient of the bundle would open the file.
    const plain = await chromium.launch({ executablePath: findBrowser(), headless: true, args: ['--no-sandbox', ...TEST_BROWSER_ARGS] });
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
    const row = await article();
    const full = pngSize(await artifact(row, 'screenshot-full'));
    const visible = pngSize(await artifact(row, 'screenshot-visible'));
    expect(full.height).toBeGreaterThan(5000);
    expect(visible.height).toBeLessThan(1000);
    expect(full.width).toBe(visible.width);
  });

  it('full screenshot shows the page below the fold, not the first screen repeated', async () => {
    // tall.html is a 5000 px gradient from white to red: the bottom of the picture must be red.
    const r = await h.send<CaptureResult>({ type: 'capture-url', url: `${h.origin()}/tall.html` });
    if (!r.ok) throw new Error(r.error);
    const png = pngPixels(await artifact(await captureOf(r.capture.id), 'screenshot-full'));
    expect(png.height).toBeGreaterThanOrEqual(5000);
    const [rTop, gTop] = png.pixel(5, 50);
    const [rBottom, gBottom] = png.pixel(5, 4950);
    expect(rTop).toBeGreaterThan(240);
    expect(gTop).toBeGreaterThan(230);
    expect(rBottom).toBeGreaterThan(150);
    expect(gBottom).toBeLessThan(80);
  });

  it('metadata names the browser and carries the page facts and the HTTP response; text holds the article', async () => {
    const row = await article();
    const meta = JSON.parse((await artifact(row, 'metadata')).toString('utf8'));
    expect(meta.requestedUrl).toBe(`${h.origin()}/article.html`);
    expect(meta.finalUrl).toBe(`${h.origin()}/article.html`);
    expect(meta.canonicalUrl).toBe(`${h.origin()}/news/2022/red-code.html`);
    expect(meta.siteName).toBe('中原观察');
    expect(meta.lang).toMatch(/^zh/);
    expect(meta.capturedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(meta.tool.name).toBe('Jianzheng');
    expect(meta.browser.name).toBe(want.browser.name);
    expect(meta.browser.userAgent).toMatch(want.browser.userAgent);
    expect(meta.viewport.width).toBeGreaterThan(0);
    expect(meta.http.status).toBe(200);
    expect(meta.http.ip).toBe('127.0.0.1');
    expect(meta.http.headers.find((h: { name: string }) => h.name.toLowerCase() === 'x-fixture')?.value).toBe('jianzheng');
    expect((await artifact(row, 'text')).toString('utf8')).toContain('村镇银行');
  });

  it('captures a tab the user opened (capture-tab), with its HTTP response', async () => {
    const url = `${h.origin()}/tall.html?opened-by-user`;
    const tab = await h.openTab(url);
    const r = await h.send<CaptureResult>({ type: 'capture-tab', tabId: tab.tabId });
    await tab.close();
    if (!r.ok) throw new Error(r.error);
    expect(r.capture.finalUrl).toBe(url);
    const meta = JSON.parse((await artifact(await captureOf(r.capture.id), 'metadata')).toString('utf8'));
    expect(meta.http?.status).toBe(200);
  });

  it('a page of the browser itself cannot be captured, says why and leaves no record', async () => {
    const before = { captures: (await h.readCaptures()).length, ledger: (await h.readLedger()).length };
    const tab = await h.openTab(want.browserPage);
    const r = await h.send<CaptureResult>({ type: 'capture-tab', tabId: tab.tabId });
    await tab.close();
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe('not-capturable');
      expect(r.error).toMatch(/cannot be captured/);
    }
    expect((await h.readCaptures()).length).toBe(before.captures);
    expect((await h.readLedger()).length).toBe(before.ledger);
  });

  it('an unknown host fails fast as a navigation failure and leaves no record', async () => {
    const before = { captures: (await h.readCaptures()).length, ledger: (await h.readLedger()).length };
    const started = Date.now();
    const r = await h.send<CaptureResult>({ type: 'capture-url', url: 'http://unknown-host.invalid/' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe('navigation-failed');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect((await h.readCaptures()).length).toBe(before.captures);
    expect((await h.readLedger()).length).toBe(before.ledger);
  });

  it('a tab closed mid-capture leaves no record', async () => {
    const before = (await h.readCaptures()).length;
    const tab = await h.openTab(`${h.origin()}/tall.html?closed`);
    const pending = h.send<CaptureResult>({ type: 'capture-tab', tabId: tab.tabId });
    await new Promise((r) => setTimeout(r, 150));
    await tab.close();
    const r = await pending;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe('tab-closed');
    expect((await h.readCaptures()).length).toBe(before);
    expect((await verifyLedger(await h.readLedger())).ok).toBe(true);
  });

  it('a tab that is already gone is reported as closed, in either browser\'s words', async () => {
    // Firefox says "Invalid tab ID: n" where Chrome says "No tab with id: n".
    const r = await h.send<CaptureResult>({ type: 'capture-tab', tabId: 99_999 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe('tab-closed');
  });
}
