import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { runJob } from '../../src/cli/capture';
import { verifyBundle } from '../../src/bundle/verify';
import { resolve } from 'node:path';
import type { Page as PlaywrightPage } from 'playwright-core';
import type { Page } from 'puppeteer-core';
import { launchFirefoxWithExtension, type LaunchedFirefox } from './firefox-launch';
import { packBytes, startFixtureServers, readBlob as readBlobPw, readCaptures as readCapturesPw } from './fixtures';
import { captureChecks, withCapturedArticle } from './capture-checks';
import { pngSize } from './png';
import type { CaptureResult } from '../../src/shared/messages';

const ROOT = resolve(import.meta.dirname, '../..');

// fixtures.ts's IndexedDB readers only call page.evaluate(fn, arg), which puppeteer's Page has with
// the same meaning; they are shared so both browsers are checked the same way.
const pw = (p: Page) => p as unknown as PlaywrightPage;
const readCaptures = (p: Page) => readCapturesPw(pw(p));
const readBlob = (p: Page, path: string) => readBlobPw(pw(p), path);

/** Sends a request to the background from an extension page, as the popup does (Firefox's `browser`). */
function toBackground<T>(page: Page, message: unknown): Promise<T> {
  return page.evaluate((m) => (globalThis as unknown as { browser: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).browser.runtime.sendMessage(m), message as never) as Promise<T>;
}

/** Catches the download the export page starts next; savedZipOf() reads the bundle from its blob: URL. */
function armDownloadIn(page: Page): Promise<void> {
  return page.evaluate(() => {
    const w = globalThis as unknown as { __jzSaved?: Promise<string> };
    w.__jzSaved = new Promise((resolve) => {
      const click = HTMLAnchorElement.prototype.click;
      HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
        HTMLAnchorElement.prototype.click = click; // once
        void fetch(this.href)
          .then((r) => r.arrayBuffer())
          .then((b) => {
            const bytes = new Uint8Array(b);
            let bin = '';
            for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
            resolve(btoa(bin));
          });
      };
    });
  });
}

async function savedZipOf(page: Page): Promise<Uint8Array> {
  return new Uint8Array(Buffer.from(await page.evaluate(() => (globalThis as unknown as { __jzSaved: Promise<string> }).__jzSaved), 'base64'));
}

// The global setup builds for Chrome only; users load this build into Firefox. File-level, so that
// each describe below (or one picked with -t) tests a fresh build.
beforeAll(() => {
  execFileSync(process.execPath, [resolve(ROOT, 'node_modules/wxt/bin/wxt.mjs'), 'build', '-b', 'firefox', '--mv3'], { cwd: ROOT, stdio: 'pipe' });
});

describe('capture a page end to end in Firefox', () => {
  let firefox: LaunchedFirefox;
  let control: Page;
  const h = withCapturedArticle(async () => {
    firefox = await launchFirefoxWithExtension();
    control = await firefox.openPage('export.html');
    return {
      control: pw(control),
      send: (message) => toBackground(control, message),
      async openTab(url) {
        const page = await firefox.browser.newPage();
        await page.goto(url);
        return { tabId: await tabIdOf(url), close: () => page.close() };
      },
      close: () => firefox.close(),
    };
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

  captureChecks(h, {
    kinds: ['html-snapshot', 'metadata', 'screenshot-full', 'screenshot-visible', 'text'],
    browser: { name: 'Firefox', userAgent: /Firefox\// },
    browserPage: 'about:blank',
  });

  it('says why MHTML is missing (Firefox has no pageCapture)', () => {
    const result = h.result();
    if (!result.ok) throw new Error(result.error);
    expect(result.capture.notes.join('\n')).toMatch(/MHTML is not offered/);
  });

  it('"Capture a post": the picker works in Firefox and the element is cut out of the full screenshot', async () => {
    const page = await firefox.browser.newPage();
    const url = `${h.origin()}/thread.html`;
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
    const row = (await h.readCaptures()).find((c) => c.id === r.capture.id)!;
    const html = (await h.readBlob(row.artifacts.find((a) => a.kind === 'element-snapshot')!.path)).toString('utf8');
    expect(html).toContain('储户乙');
    expect(html).not.toContain('转码申诉');
    const png = pngSize(await h.readBlob(row.artifacts.find((a) => a.kind === 'element-screenshot')!.path));
    const c2 = (await (await page.$('#c2'))!.boundingBox())!;
    expect(Math.abs(png.width - c2.width)).toBeLessThanOrEqual(2);
    expect(Math.abs(png.height - c2.height)).toBeLessThanOrEqual(2);
    expect(await page.$$eval('[data-jianzheng-picker], [data-single-file-selected-content]', (l) => l.length)).toBe(0);
    await page.close();
  });

  const armDownload = (page = control) => armDownloadIn(page);
  const savedZip = (page = control) => savedZipOf(page);

  it('a plain export is composed of the stored capture file, and our verifier accepts the bundle', async () => {
    const result = h.result();
    if (!result.ok) throw new Error(result.error);
    await armDownload();
    const res = await runJob(pw(control), { type: 'jz-export', jobId: randomUUID(), captureIds: [result.capture.id], fileName: 'firefox.zip' });
    if (!res.ok) throw new Error(res.error);
    const zip = await savedZip();
    expect(zip.length).toBe(res.size);
    expect(res.written).toBe('composed');
    const v = await verifyBundle(zip);
    expect(v.ok).toBe(true);
    // No bundle file was written: the zip was composed of the capture's own file.
    const files = await control.evaluate(async () => {
      const out: string[] = [];
      for await (const name of ((await navigator.storage.getDirectory()) as unknown as { keys(): AsyncIterable<string> }).keys()) out.push(name);
      return out;
    });
    expect(files.filter((f) => f.startsWith('export-'))).toEqual([]);
    expect(files).toContain('artifacts');
  });

  it('an export over the compose limit is copied into one file by a worker, and verifies', async () => {
    const result = h.result();
    if (!result.ok) throw new Error(result.error);
    await armDownload();
    const res = await runJob(pw(control), { type: 'jz-export', jobId: randomUUID(), captureIds: [result.capture.id], fileName: 'copied.zip', composeMax: 0 });
    if (!res.ok) throw new Error(res.error);
    expect(res.written).toBe('copied');
    const zip = await savedZip();
    expect(zip.length).toBe(res.size);
    expect((await verifyBundle(zip)).ok).toBe(true);
  });

  it('the library lists the capture and shows its snapshot in a frame that can run no script', async () => {
    const library = await firefox.openPage('library.html');
    const result = h.result();
    const id = result.ok ? result.capture.id : '';
    const item = `[data-testid="capture-item"][data-id="${id}"]`;
    await library.waitForSelector(item, { timeout: 20_000 });
    await library.click(item);
    await library.waitForSelector('[data-testid="snapshot-frame"]', { timeout: 15_000 });
    const frame = await library.$eval('[data-testid="snapshot-frame"]', (f) => ({ sandbox: f.getAttribute('sandbox'), src: f.getAttribute('src') ?? '' }));
    expect(frame.sandbox).not.toBeNull();
    expect(frame.sandbox!.split(/\s+/)).not.toContain('allow-scripts');
    expect(frame.sandbox!.split(/\s+/)).not.toContain('allow-same-origin');
    expect(frame.src).toMatch(/^blob:/);
    // What the frame shows: the hardened snapshot (WebDriver BiDi does not list this opaque-origin frame).
    const inner = await library.evaluate((src) => fetch(src).then((r) => r.text()), frame.src);
    expect(inner.startsWith('<!DOCTYPE html><meta http-equiv="Content-Security-Policy"')).toBe(true);
    expect(inner).toContain('added-after-load');
    await library.close();
  });

  it('a web page cannot reach the extension or its files', async () => {
    const page = await firefox.browser.newPage();
    await page.goto(`${h.origin()}/tall.html`);
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

describe('capture files merged into packs, in Firefox', () => {
  let servers: Awaited<ReturnType<typeof startFixtureServers>>;
  let firefox: LaunchedFirefox;
  let control: Page;

  beforeAll(async () => {
    servers = await startFixtureServers();
    firefox = await launchFirefoxWithExtension();
    control = await firefox.openPage('export.html');
  });
  afterAll(async () => {
    await firefox?.close();
    await servers?.close();
  });

  it('captures merged into a pack export composed and copied from it, and a deletion erases their bytes there', async () => {
    const ids: string[] = [];
    for (const page of ['article.html', 'thread.html', 'tall.html']) {
      const r = await toBackground<CaptureResult>(control, { type: 'capture-url', url: `${servers.a.origin}/${page}` });
      if (!r.ok) throw new Error(r.error);
      ids.push(r.capture.id);
    }
    const more = ids.slice(1);
    // A page of its own for the exports: closing it lets go of the capture files they hold.
    const exporter = await firefox.openPage('export.html');
    const packed = await runJob(pw(exporter), { type: 'jz-pack', jobId: randomUUID(), minBytes: 0 });
    if (!packed.ok) throw new Error(packed.error);
    const rows = (await readCaptures(control)).filter((r) => ids.includes(r.id));
    const pack = rows[0]!.chunk?.pack;
    expect(pack).toBeDefined();
    expect(rows.every((r) => r.chunk?.pack === pack && r.loose === undefined)).toBe(true);
    // Blob parts: one per run of neighbours in the pack.
    const spans = rows.map((r) => ({ at: r.chunk!.at!, end: r.chunk!.at! + r.chunk!.size })).sort((a, b) => a.at - b.at);
    const runs = spans.filter((s, i) => i === 0 || spans[i - 1]!.end !== s.at).length;
    for (const composeMax of [undefined, 0]) {
      await armDownloadIn(exporter);
      const res = await runJob(pw(exporter), { type: 'jz-export', jobId: randomUUID(), captureIds: ids, fileName: 'packed.zip', ...(composeMax === 0 ? { composeMax } : {}) });
      if (!res.ok) throw new Error(res.error);
      expect(res.written).toBe(composeMax === 0 ? 'copied' : 'composed');
      if (composeMax === undefined) expect(res.storedParts).toBe(runs);
      const zip = await savedZipOf(exporter);
      expect(zip.length).toBe(res.size);
      expect((await verifyBundle(zip)).ok).toBe(true);
    }
    await exporter.close();
    const victim = rows.find((r) => r.id === more[0])!.chunk!;
    expect((await packBytes(pw(control), pack!, victim.at!, victim.size)).some((b) => b !== 0)).toBe(true);
    const library = await firefox.openPage(`library.html#capture=${encodeURIComponent(more[0]!)}`);
    library.on('dialog', (d) => void d.accept());
    await library.waitForSelector('[data-testid=delete-capture]');
    await library.click('[data-testid=delete-capture]');
    await expect.poll(async () => (await packBytes(pw(control), pack!, victim.at!, victim.size)).every((b) => b === 0), { timeout: 10_000 }).toBe(true);
    await library.close();
  });
});
