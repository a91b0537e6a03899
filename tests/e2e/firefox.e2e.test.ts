import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Page as PlaywrightPage } from 'playwright-core';
import type { Page } from 'puppeteer-core';
import { launchFirefoxWithExtension, type LaunchedFirefox } from './firefox-launch';
import { startFixtureServers, readBlob as readBlobPw, readCaptures as readCapturesPw, readLedger as readLedgerPw } from './fixtures';
import { pngSize } from './png';
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

describe('capture a page end to end in Firefox', () => {
  let servers: Awaited<ReturnType<typeof startFixtureServers>>;
  let firefox: LaunchedFirefox;
  let control: Page;
  let result: CaptureResult;

  beforeAll(async () => {
    // The global setup builds for Chrome only; users load this build into Firefox.
    execFileSync(process.execPath, [resolve(ROOT, 'node_modules/wxt/bin/wxt.mjs'), 'build', '-b', 'firefox', '--mv3'], { cwd: ROOT, stdio: 'pipe' });
    servers = await startFixtureServers();
    firefox = await launchFirefoxWithExtension();
    control = await firefox.openPage('export.html');
    result = await toBackground<CaptureResult>(control, { type: 'capture-url', url: `${servers.a.origin}/article.html`, options: { waitMs: 500 } });
  });
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
});
