import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchWithExtension, type LaunchedBrowser } from '../../src/cli/launch';
import { startFixtureServers, readCaptures } from './fixtures';

const HOST_RULES = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost';

describe('popup capture', () => {
  let servers: Awaited<ReturnType<typeof startFixtureServers>>;
  let browser: LaunchedBrowser;
  let popup: Page;

  beforeAll(async () => {
    servers = await startFixtureServers();
    browser = await launchWithExtension({ browserArgs: [HOST_RULES], lang: 'zh-CN' });
    const page = await browser.context.newPage();
    await page.goto(`${servers.a.origin}/article.html`);
    await page.bringToFront();
    // The popup opened as a popup-type window, as the toolbar does: it captures the active tab of
    // the last focused normal window, i.e. the article.
    const [popupPage] = await Promise.all([
      browser.context.waitForEvent('page'),
      page.evaluate(() => undefined).then(() =>
        browser.worker.evaluate((id) => chrome.windows.create({ url: `chrome-extension://${id}/popup.html`, type: 'popup', width: 400, height: 600, focused: false }), browser.extensionId),
      ),
    ]);
    popup = popupPage!;
    await popup.waitForLoadState('domcontentloaded');
  });
  afterAll(async () => {
    await browser?.close();
    await servers?.close();
  });

  it('shows its UI in the browser language', async () => {
    await expect.poll(() => popup.getByTestId('capture-button').textContent()).toBe('保存此页面');
  });

  it('captures the page, shows the stages, the short hash and size, and lists it as latest', async () => {
    await popup.getByTestId('capture-button').click();
    const hash = popup.getByTestId('capture-hash');
    await hash.waitFor({ timeout: 60_000 });
    const short = (await hash.textContent())!.replace('…', '');
    expect(short).toMatch(/^[0-9a-f]{16}$/);
    expect(await popup.locator('#stages li.done').count()).toBe(4);
    const rows = await readCaptures(popup);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.hash.startsWith(short)).toBe(true);
    expect(rows[0]!.url).toBe(`${servers.a.origin}/article.html`);
    await expect.poll(() => popup.getByTestId('latest-captures').textContent()).toContain('健康码');
  });
});
