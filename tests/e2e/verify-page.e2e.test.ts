import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import JSZip from 'jszip';
import type { Page } from 'playwright-core';
import { launchWithExtension, type LaunchedBrowser } from '../../src/cli/launch';
import { runJob } from '../../src/cli/capture';
import { startFixtureServers, toBackground } from './fixtures';
import type { CaptureResult } from '../../src/shared/messages';

const HOST_RULES = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost';

describe('export from the extension and check the bundle on the Verify page', () => {
  let servers: Awaited<ReturnType<typeof startFixtureServers>>;
  let browser: LaunchedBrowser;
  let work: string;
  let bundle: string;
  let captureId: string;

  beforeAll(async () => {
    servers = await startFixtureServers();
    work = mkdtempSync(join(tmpdir(), 'jz-verify-page-'));
    browser = await launchWithExtension({ browserArgs: [HOST_RULES] });
    const control = await browser.openPage('export.html');
    await runJob(control, { type: 'jz-configure', jobId: randomUUID(), tsa: { enabled: false } });
    const r = await toBackground<CaptureResult>(control, { type: 'capture-url', url: `${servers.a.origin}/article.html` });
    if (!r.ok) throw new Error(r.error);
    captureId = r.capture.id;
    // Export through the page a user would use: export.html?ids=… with its dialog.
    const page = await browser.openPage(`export.html?ids=${captureId}`);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: /export|导出/i }).first().click();
    bundle = join(work, 'from-dialog.zip');
    await (await download).saveAs(bundle);
  });
  afterAll(async () => {
    await browser?.close();
    await servers?.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function verifyInPage(file: string): Promise<Page> {
    const page = await browser.openPage('verify.html');
    await page.getByTestId('verify-file').setInputFiles(file);
    await expect.poll(() => page.getByTestId('verify-summary').getAttribute('class'), { timeout: 60_000 }).toMatch(/ok|bad/);
    return page;
  }

  it('accepts the bundle the export dialog wrote', async () => {
    const page = await verifyInPage(bundle);
    expect(await page.getByTestId('verify-summary').getAttribute('class')).toBe('ok');
    expect(await page.locator('[data-testid="verify-checks"] li[data-ok="false"]').count()).toBe(0);
    expect(await page.getByTestId('verify-signer').textContent()).toMatch(/[0-9a-f]{4}/i);
  });

  it('names the file whose byte was changed', async () => {
    const zip = await JSZip.loadAsync(readFileSync(bundle));
    const path = `captures/${captureId}/screenshot-full.png`;
    const bytes = await zip.file(path)!.async('uint8array');
    const mid = bytes.length >> 1;
    bytes[mid] = bytes[mid]! ^ 0x01;
    zip.file(path, bytes);
    const tampered = join(work, 'tampered.zip');
    writeFileSync(tampered, await zip.generateAsync({ type: 'nodebuffer' }));
    const page = await verifyInPage(tampered);
    expect(await page.getByTestId('verify-summary').getAttribute('class')).toBe('bad');
    const failed = await page.locator('[data-testid="verify-checks"] li[data-ok="false"]').allTextContents();
    expect(failed.join('\n')).toContain('screenshot-full.png');
  });
});
