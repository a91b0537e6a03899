import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchWithExtension, type LaunchedBrowser } from '../../src/cli/launch';
import { startFixtureServers, readBlob, readCaptures, toBackground } from './fixtures';
import { pngSize } from './png';
import type { CaptureResult } from '../../src/shared/messages';
import type { CaptureRecord } from '../../src/bundle/format';

const HOST_RULES = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost';

describe('"Capture a post": pick one element on any site', () => {
  let servers: Awaited<ReturnType<typeof startFixtureServers>>;
  let browser: LaunchedBrowser;
  let control: Page;
  let page: Page;
  let result: CaptureResult;

  beforeAll(async () => {
    servers = await startFixtureServers();
    browser = await launchWithExtension({ browserArgs: [HOST_RULES] });
    control = await browser.openPage('export.html');
    page = await browser.context.newPage();
    await page.goto(`${servers.a.origin}/thread.html`);
    const tabId = await control.evaluate(async (u) => (await chrome.tabs.query({ url: u }))[0]?.id, `${servers.a.origin}/thread.html`);
    const pending = toBackground<CaptureResult>(control, { type: 'capture-tab', tabId, options: { mode: 'element' } });
    // The picker's overlay appears; hover the second comment's text and click it, as a user would.
    await page.locator('[data-jianzheng-picker]').waitFor({ state: 'attached', timeout: 20_000 });
    const box = (await page.locator('#c2 p').boundingBox())!;
    await page.mouse.move(box.x + 10, box.y + box.height / 2);
    await page.mouse.click(box.x + 10, box.y + box.height / 2);
    result = await pending;
  });
  afterAll(async () => {
    await browser?.close();
    await servers?.close();
  });

  it('adds an element snapshot and an element screenshot to the capture', () => {
    if (!result.ok) throw new Error(result.error);
    const kinds = result.capture.artifacts.map((a) => a.kind);
    expect(kinds).toContain('element-snapshot');
    expect(kinds).toContain('element-screenshot');
    expect(kinds).toContain('html-snapshot');
  });

  it('the element snapshot holds the chosen comment (snapped to its container) and not its neighbours', async () => {
    const row = (await readCaptures(control))[0]!;
    const html = (await readBlob(control, row.artifacts.find((a) => a.kind === 'element-snapshot')!.path)).toString('utf8');
    expect(html).toContain('村镇银行的储户群里');
    expect(html).toContain('储户乙');
    expect(html).not.toContain('转码申诉');
    expect(html).not.toMatch(/<script(?![^>]*application\/ld\+json)/i);
    const record = JSON.parse(row.recordJson) as CaptureRecord;
    expect(record.post?.author.name).toBe('储户乙');
    expect(record.post?.text).toContain('郑州站');
  });

  it('the element screenshot is the size of that comment, and the page is left as it was', async () => {
    const row = (await readCaptures(control))[0]!;
    const png = pngSize(await readBlob(control, row.artifacts.find((a) => a.kind === 'element-screenshot')!.path));
    const box = (await page.locator('#c2').boundingBox())!;
    expect(Math.abs(png.width - box.width)).toBeLessThanOrEqual(2);
    expect(Math.abs(png.height - box.height)).toBeLessThanOrEqual(2);
    expect(await page.locator('[data-jianzheng-picker], [data-single-file-selected-content]').count()).toBe(0);
  });
});
