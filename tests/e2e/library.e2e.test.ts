import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEFAULT_EXTENSION_DIR, launchWithExtension, type LaunchedBrowser } from '../../src/cli/launch';
import { startFixtureServers, readLedger, toBackground } from './fixtures';
import type { CaptureResult } from '../../src/shared/messages';
import { verifyLedger } from '../../src/ledger/ledger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import JSZip from 'jszip';
import type { Manifest } from '../../src/bundle/format';

const HOST_RULES = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost';

describe('evidence library end to end', () => {
  let servers: Awaited<ReturnType<typeof startFixtureServers>>;
  let browser: LaunchedBrowser;
  let library: Page;
  const ids: Record<string, string> = {};
  const requested: string[] = [];
  const detailChunk = () => requested.filter((p) => /^\/chunks\/detail-[\w-]+\.js$/.test(p));

  beforeAll(async () => {
    servers = await startFixtureServers();
    browser = await launchWithExtension({ browserArgs: [HOST_RULES] });
    const control = await browser.openPage('export.html');
    for (const name of ['article', 'tall']) {
      const r = await toBackground<CaptureResult>(control, { type: 'capture-url', url: `${servers.a.origin}/${name}.html` });
      if (!r.ok) throw new Error(r.error);
      ids[name] = r.capture.id;
    }
    library = await browser.context.newPage();
    // Every script the page asks for, to prove that the detail view's code loads only on demand.
    library.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await library.goto(`chrome-extension://${browser.extensionId}/library.html`);
  });
  afterAll(async () => {
    await browser?.close();
    await servers?.close();
  });

  const items = () => library.getByTestId('capture-item');

  it('draws the first page from code without Dexie, search or the detail view', () => {
    // The page's initial scripts: the classic boot script, the entry and the chunks the built page preloads for it.
    const dir = DEFAULT_EXTENSION_DIR;
    const html = readFileSync(join(dir, 'library.html'), 'utf8');
    const initial = [...html.matchAll(/(?:src|href)="\/((?:chunks\/)?[^"/]+\.js)"/g)].map((m) => m[1]!);
    expect(initial.some((f) => /^chunks\/library-/.test(f))).toBe(true);
    expect(initial[0]).toBe('library-boot.js'); // first in the head, before the modules and the stylesheet
    const code = initial.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    expect(code).not.toMatch(/Dexie/); // Dexie's UMD wrapper names itself
    expect(code).not.toContain('snapshot-frame');
    expect(code).not.toContain('jianzheng-search'); // the search index's database name
    expect(code.length).toBeLessThan(20_000); // ~9 KB now; it was ~150 KB
  });

  it('lists every capture', async () => {
    await expect.poll(() => items().count(), { timeout: 20_000 }).toBe(2);
  });

  it('starts the store read from the boot script, before the module entry runs, and boots once', async () => {
    const marks = (await library.evaluate(`Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime]))`)) as Record<string, number>;
    expect(marks['jz-library-start']).toBeLessThan(marks['jz-library-module']!);
    expect(marks['jz-store-open']).toBeDefined();
    expect(await library.evaluate(`performance.getEntriesByName('jz-library-start').length`)).toBe(1);
    expect(await library.locator('.lib-status').count()).toBe(1); // one frame, not two
  });

  it('finds a capture by a Chinese word inside unspaced text', async () => {
    await library.getByTestId('search').fill('赋红码');
    await expect.poll(async () => (await items().evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))), { timeout: 10_000 }).toEqual([ids.article]);
  });

  it('finds a capture by an English word', async () => {
    await library.getByTestId('search').fill('tall');
    await expect.poll(async () => (await items().evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))), { timeout: 10_000 }).toEqual([ids.tall]);
  });

  it('shows no results for a word that matches nothing', async () => {
    await library.getByTestId('search').fill('zzqxnomatch');
    await expect.poll(() => items().count(), { timeout: 10_000 }).toBe(0);
    await library.getByTestId('no-results').waitFor();
    await library.getByTestId('search').fill('');
    await expect.poll(() => items().count(), { timeout: 10_000 }).toBe(2);
  });

  it('loads the detail view code only when a capture is opened', async () => {
    await library.waitForSelector('[data-ready="1"]');
    expect(requested.some((p) => /^\/chunks\/page-[\w-]+\.js$/.test(p))).toBe(true);
    expect(detailChunk()).toEqual([]);
  });

  it('opens the detail view with the snapshot in a frame that can run no script and reach nothing', async () => {
    await library.locator(`[data-testid="capture-item"][data-id="${ids.article}"]`).click();
    const frame = library.getByTestId('snapshot-frame');
    await frame.waitFor({ timeout: 15_000 });
    const sandbox = await frame.getAttribute('sandbox');
    expect(sandbox).not.toBeNull();
    expect(sandbox!.split(/\s+/)).not.toContain('allow-scripts');
    expect(sandbox!.split(/\s+/)).not.toContain('allow-same-origin');
    const inner = library.frameLocator('[data-testid="snapshot-frame"]');
    await expect.poll(() => inner.locator('#late').textContent(), { timeout: 10_000 }).toContain('added-after-load');
    // The snapshot's scripts were removed and none ran in the viewer: the live page's one run stays the only one.
    expect(await inner.locator('html').getAttribute('data-run-count')).toBe('1');
    await expect.poll(() => library.getByTestId('custody').textContent()).toBeTruthy();
    expect(detailChunk().length).toBe(1);
  });

  it('records a note and a tag as custody events, and the chain stays verifiable', async () => {
    const before = (await readLedger(library)).length;
    await library.getByTestId('tag-input').fill('红码');
    await library.getByTestId('tag-input').press('Enter');
    await library.getByTestId('note-input').fill('与报道原文核对一致');
    await library.locator('[data-testid="note-input"] ~ button[type="submit"]').click();
    await expect.poll(async () => (await readLedger(library)).length, { timeout: 10_000 }).toBe(before + 2);
    const events = await readLedger(library);
    expect(events.slice(-2).map((e) => e.type).sort()).toEqual(['note', 'tag']);
    expect((await verifyLedger(events)).ok).toBe(true);
  });

  it('exports what the list shows through the export dialog', async () => {
    await library.goto(`chrome-extension://${browser.extensionId}/library.html`);
    await library.getByTestId('search').fill('tall');
    await expect.poll(async () => (await items().evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))), { timeout: 10_000 }).toEqual([ids.tall]);
    const [exportPage] = await Promise.all([browser.context.waitForEvent('page'), library.getByTestId('export-captures').click()]);
    await exportPage!.waitForLoadState('domcontentloaded');
    expect(new URL(exportPage!.url()).searchParams.get('ids')).toBe(ids.tall);
    const download = exportPage!.waitForEvent('download');
    await exportPage!.getByRole('button', { name: /export|导出/i }).first().click();
    const zip = await JSZip.loadAsync(readFileSync(await (await download).path()));
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as Manifest;
    expect(manifest.captures.map((c) => c.id)).toEqual([ids.tall]);
    await exportPage!.close();
    await library.getByTestId('search').fill('');
  });

  it('draws the page the last visit read before the store answers, then the store\'s; a deletion drops it', async () => {
    const cacheKey = 'jz-library-first-page';
    const cachedIds = async (p: Page) => {
      const raw = (await p.evaluate(`localStorage.getItem(${JSON.stringify(cacheKey)})`)) as string | null;
      return raw === null ? null : (JSON.parse(raw) as { rows: { id: string }[] }).rows.map((r) => r.id);
    };
    // The visits above kept the list of two.
    expect((await cachedIds(library))?.sort()).toEqual([ids.article, ids.tall].sort());
    const control = await browser.openPage('export.html');
    const made = await toBackground<CaptureResult>(control, { type: 'capture-url', url: `${servers.a.origin}/article.html?again=1` });
    if (!made.ok) throw new Error(made.error);
    await control.close();

    const next = await browser.context.newPage();
    // What the list held when it was first drawn, seen from inside the page (a string: no helpers).
    await next.addInitScript(`new MutationObserver((_, obs) => {
      const n = document.querySelectorAll('[data-testid="capture-item"]').length;
      if (n) { window.__firstDrawn = n; obs.disconnect(); }
    }).observe(document, { childList: true, subtree: true });`);
    await next.goto(`chrome-extension://${browser.extensionId}/library.html`);
    await expect.poll(() => next.getByTestId('capture-item').count(), { timeout: 20_000 }).toBe(3);
    expect(await next.evaluate('window.__firstDrawn')).toBe(2); // the kept page, before the store's
    const marks = (await next.evaluate(`Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime]))`)) as Record<string, number>;
    expect(marks['jz-first-page']).toBeLessThan(marks['jz-first-page-store']!);
    expect(await next.locator('[data-testid="capture-item"]').first().getAttribute('data-id')).toBe(made.capture.id);
    expect(await cachedIds(next)).toContain(made.capture.id);

    // Deleting a capture from the library forgets the kept page: its title must not wait there.
    next.on('dialog', (d) => void d.accept());
    await next.locator(`[data-testid="capture-item"][data-id="${made.capture.id}"]`).click();
    await next.getByTestId('delete-capture').click();
    await expect.poll(() => cachedIds(next), { timeout: 10_000 }).toBeNull();
    await next.close();
  });
});
