import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import JSZip from 'jszip';
import { launchWithExtension, type LaunchedBrowser } from '../../src/cli/launch';
import { runJob } from '../../src/cli/capture';
import { readStore, startFixtureServers, toBackground } from './fixtures';
import type { CaptureResult } from '../../src/shared/messages';
import type { Manifest } from '../../src/bundle/format';

const HOST_RULES = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost';

/** The export-*.zip files in the extension's Origin Private File System, and the export locks held. */
function opfsState(page: Page): Promise<{ files: string[]; locks: string[] }> {
  return page.evaluate(async () => {
    const dir = await navigator.storage.getDirectory();
    const files: string[] = [];
    for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) if (name.startsWith('export-')) files.push(name);
    const { held = [] } = await navigator.locks.query();
    return { files, locks: held.map((l) => l.name ?? '').filter((n) => n.startsWith('jz-export-file:')) };
  });
}

describe('export through the Origin Private File System', () => {
  let servers: Awaited<ReturnType<typeof startFixtureServers>>;
  let browser: LaunchedBrowser;
  let control: Page;
  let id: string;

  beforeAll(async () => {
    servers = await startFixtureServers();
    browser = await launchWithExtension({ browserArgs: [HOST_RULES] });
    control = await browser.openPage('export.html');
    const r = await toBackground<CaptureResult>(control, { type: 'capture-url', url: `${servers.a.origin}/article.html` });
    if (!r.ok) throw new Error(r.error);
    id = r.capture.id;
  });
  afterAll(async () => {
    await browser?.close();
    await servers?.close();
  });

  it('a plain export is composed of the stored artifact files: no bundle file is written, and the download is the bundle', async () => {
    expect((await opfsState(control)).files).toEqual([]);
    const download = control.waitForEvent('download');
    const res = await runJob(control, { type: 'jz-export', jobId: randomUUID(), captureIds: [id], fileName: 'plain.zip' });
    if (!res.ok) throw new Error(res.error);
    expect(res.written).toBe('composed');
    const bytes = readFileSync(await (await download).path());
    expect(bytes.length).toBe(res.size);
    // JSZip checks every entry's CRC-32 against its inflated bytes.
    const zip = await JSZip.loadAsync(bytes, { checkCRC32: true });
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as Manifest;
    expect(manifest.captures.map((c) => c.id)).toEqual([id]);
    for (const a of manifest.captures[0]!.artifacts) expect(createHash('sha256').update(await zip.file(a.path)!.async('uint8array')).digest('hex'), a.path).toBe(a.sha256);
    expect(await opfsState(control)).toEqual({ files: [], locks: [] });
  });

  it('a bundle over the compose limit is written by a worker into one locked OPFS file, and verifies', async () => {
    const made = await toBackground<CaptureResult>(control, { type: 'capture-url', url: `${servers.a.origin}/tall.html?worker` });
    if (!made.ok) throw new Error(made.error);
    const download = control.waitForEvent('download');
    // composeMax 1: two captures are "too many" to compose, as 2,001 are by default.
    const res = await runJob(control, { type: 'jz-export', jobId: randomUUID(), captureIds: [id, made.capture.id], fileName: 'worker.zip', composeMax: 1 });
    if (!res.ok) throw new Error(res.error);
    expect(res.written).toBe('copied');
    const file = await (await download).path();
    const bytes = readFileSync(file);
    expect(bytes.length).toBe(res.size);
    const zip = await JSZip.loadAsync(bytes, { checkCRC32: true });
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as Manifest;
    expect(manifest.captures.map((c) => c.id)).toEqual([id, made.capture.id]);
    for (const c of manifest.captures) for (const a of c.artifacts) expect(createHash('sha256').update(await zip.file(a.path)!.async('uint8array')).digest('hex'), a.path).toBe(a.sha256);
    // Our verifier (signature, hashes, ledger) exits 0.
    execFileSync('node', [join(import.meta.dirname, '../../bin/jianzheng-verify.js'), file], { stdio: 'pipe' });
    // One export file, held by its lock while the download may read it (a composed bundle has none).
    const during = await opfsState(control);
    expect(during.files).toHaveLength(1);
    expect(during.locks).toEqual([`jz-export-file:${during.files[0]}`]);
  });

  it('a capture deleted while an export may still read the capture files keeps its file until then', async () => {
    const made = await toBackground<CaptureResult>(control, { type: 'capture-url', url: `${servers.a.origin}/tall.html` });
    if (!made.ok) throw new Error(made.error);
    const other = made.capture.id;
    const hasFile = (p: Page, capture: string): Promise<boolean> =>
      p.evaluate(`navigator.storage.getDirectory().then((d) => d.getDirectoryHandle('artifacts')).then((d) => d.getFileHandle(${JSON.stringify(capture)})).then(() => true, () => false)`) as Promise<boolean>;
    expect(await hasFile(control, other)).toBe(true);
    // The export above still holds the files (without the downloads permission, for a minute after
    // its download began); its page goes, and with it the hold.
    await control.close();
    control = await browser.openPage('export.html');
    // What an export does from its start until its download has read the files: a shared hold.
    const holder = await browser.openPage('export.html');
    await holder.evaluate(`new Promise((held) => navigator.locks.request('jz-capture-files', { mode: 'shared' }, () => new Promise((done) => { window.__letGo = done; held(); })))`);

    const library = await browser.openPage(`library.html#capture=${encodeURIComponent(other)}`);
    library.on('dialog', (d) => void d.accept());
    await library.getByTestId('delete-capture').click();
    // Deleted in the store (a tombstone), but the file stays while the export may read it.
    await expect.poll(async () => (await readStore<{ id: string; deleted: number }>(control, 'captures')).find((r) => r.id === other)?.deleted, { timeout: 10_000 }).toBe(1);
    await library.waitForTimeout(300);
    expect(await hasFile(control, other)).toBe(true);

    await holder.evaluate('window.__letGo()');
    await holder.close();
    // The next export page takes the files deleted captures left.
    const next = await browser.openPage('export.html');
    await expect.poll(() => hasFile(next, other), { timeout: 10_000 }).toBe(false);
    expect(await hasFile(next, id)).toBe(true);
    await library.close();
    await next.close();
  });

  it('an encrypted export is written to a locked OPFS file, which is gone once its page is closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jz-opfs-age-'));
    execFileSync('age-keygen', ['-o', join(dir, 'key.txt')], { stdio: 'ignore' });
    const recipient = /public key: (age1\S+)/.exec(readFileSync(join(dir, 'key.txt'), 'utf8'))![1]!;
    const download = control.waitForEvent('download');
    const res = await runJob(control, { type: 'jz-export', jobId: randomUUID(), captureIds: [id], fileName: 'opfs.zip', age: { recipients: [recipient] } });
    if (!res.ok) throw new Error(res.error);
    expect(res.written).toBe('streamed');
    const file = await (await download).path();
    expect(readFileSync(file).length).toBe(res.size);
    execFileSync('age', ['-d', '-i', 'key.txt', '-o', 'out.zip', file], { cwd: dir });
    const manifest = JSON.parse(await (await JSZip.loadAsync(readFileSync(join(dir, 'out.zip')), { checkCRC32: true })).file('manifest.json')!.async('string')) as Manifest;
    expect(manifest.captures.map((c) => c.id)).toEqual([id]);

    // The bundle was written to one OPFS file, still locked while its download may be reading it.
    const during = await opfsState(control);
    expect(during.files).toHaveLength(1);
    expect(during.locks).toEqual([`jz-export-file:${during.files[0]}`]);

    // Closing the page releases the lock; the next export page removes the file.
    await control.close();
    control = await browser.openPage('export.html');
    await expect.poll(async () => (await opfsState(control)).files, { timeout: 10_000 }).toEqual([]);
  });

  it('leaves no OPFS file behind when an export is cancelled', async () => {
    const page = await browser.openPage(`export.html?ids=${id}`);
    await page.getByTestId('export-start').waitFor();
    // Under a passphrase, so that the bundle goes through an OPFS file (a plain one is composed).
    await page.getByTestId('export-mode-passphrase').check();
    await page.getByTestId('export-passphrase').fill('红码 2022 储户');
    // Cancel as soon as the zip phase names a file it writes, i.e. once the OPFS file exists.
    await page.evaluate(() => {
      const status = document.querySelector('[data-testid="export-status"]')!;
      const observer = new MutationObserver(() => {
        if (/manifest\.json|captures\//.test(status.textContent ?? '')) {
          observer.disconnect();
          (document.querySelector('[data-testid="export-cancel"]') as HTMLButtonElement).click();
        }
      });
      observer.observe(status, { childList: true, characterData: true, subtree: true });
    });
    await page.getByTestId('export-start').click();
    await expect.poll(() => page.getByTestId('export-status').getAttribute('class'), { timeout: 20_000 }).toBe('warn');
    expect(await opfsState(page)).toEqual({ files: [], locks: [] });
    await page.close();
  });
});
