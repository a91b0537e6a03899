import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import JSZip from 'jszip';
import { launchWithExtension, type LaunchedBrowser } from '../../src/cli/launch';
import { runJob } from '../../src/cli/capture';
import { packBytes, readStore, startFixtureServers, toBackground } from './fixtures';
import type { CaptureResult } from '../../src/shared/messages';
import type { Manifest } from '../../src/bundle/format';
import type { CaptureRow } from '../../src/store/schema';

const HOST_RULES = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost';

/** Names of the files in an OPFS folder of the extension (empty when it does not exist). */
function opfsNames(page: Page, folder: string): Promise<string[]> {
  return page.evaluate(`(async () => {
    const names = [];
    try {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(${JSON.stringify(folder)});
      for await (const name of dir.keys()) names.push(name);
    } catch {}
    return names.sort();
  })()`) as Promise<string[]>;
}

async function exportAndCheck(control: Page, captureIds: string[], composeMax?: number) {
  const download = control.waitForEvent('download');
  const res = await runJob(control, { type: 'jz-export', jobId: randomUUID(), captureIds, fileName: 'packed.zip', ...(composeMax !== undefined ? { composeMax } : {}) });
  if (!res.ok) throw new Error(res.error);
  const file = await (await download).path();
  const bytes = readFileSync(file);
  expect(bytes.length).toBe(res.size);
  // JSZip checks every entry's CRC-32; every artifact matches the hash its record made at capture.
  const zip = await JSZip.loadAsync(bytes, { checkCRC32: true });
  const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as Manifest;
  expect(manifest.captures.map((c) => c.id)).toEqual(captureIds);
  for (const c of manifest.captures) for (const a of c.artifacts) expect(createHash('sha256').update(await zip.file(a.path)!.async('uint8array')).digest('hex'), a.path).toBe(a.sha256);
  execFileSync('node', [join(import.meta.dirname, '../../bin/jianzheng-verify.js'), file], { stdio: 'pipe' });
  return res;
}

describe('capture files merged into packs, in Chromium', () => {
  let servers: Awaited<ReturnType<typeof startFixtureServers>>;
  let browser: LaunchedBrowser;
  let control: Page;
  const ids: string[] = [];

  beforeAll(async () => {
    servers = await startFixtureServers();
    browser = await launchWithExtension({ browserArgs: [HOST_RULES] });
    control = await browser.openPage('export.html');
    for (const page of ['article.html', 'thread.html', 'tall.html']) {
      const r = await toBackground<CaptureResult>(control, { type: 'capture-url', url: `${servers.a.origin}/${page}` });
      if (!r.ok) throw new Error(r.error);
      ids.push(r.capture.id);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await servers?.close();
  });

  it('small captures stay in files of their own until enough are loose; then they are merged into one pack', async () => {
    // Three small captures are under the threshold the background merges at.
    expect((await readStore<CaptureRow>(control, 'captures')).filter((r) => ids.includes(r.id)).every((r) => r.loose === 1)).toBe(true);
    expect(await opfsNames(control, 'artifacts')).toEqual([...ids].sort());
    const res = await runJob(control, { type: 'jz-pack', jobId: randomUUID(), minBytes: 0 });
    if (!res.ok) throw new Error(res.error);
    expect(res.packed).toBe(3);
    const packs = await opfsNames(control, 'packs');
    expect(packs).toHaveLength(1);
    expect(await opfsNames(control, 'artifacts')).toEqual([]);
    const rows = (await readStore<CaptureRow>(control, 'captures')).filter((r) => ids.includes(r.id));
    expect(rows.every((r) => r.chunk?.pack === packs[0] && r.loose === undefined)).toBe(true);
  });

  it('a bundle of packed captures is composed of one part per run, and verifies; so is one copied by the worker', async () => {
    const composed = await exportAndCheck(control, [...ids].reverse());
    expect(composed.written).toBe('composed');
    expect(composed.storedParts).toBe(1);
    const copied = await exportAndCheck(control, ids, 0);
    expect(copied.written).toBe('copied');
  });

  it('deleting a packed capture erases its bytes in the pack; the others still export', async () => {
    // The exports above hold the files for a minute (no downloads permission): a new page, and the
    // old one closed, lets go of them.
    await control.close();
    control = await browser.openPage('export.html');
    const row = (await readStore<CaptureRow>(control, 'captures')).find((r) => r.id === ids[1])!;
    const { pack, at, size } = row.chunk as { pack: string; at: number; size: number };
    expect((await packBytes(control, pack, at, size)).some((b) => b !== 0)).toBe(true);
    const library = await browser.openPage(`library.html#capture=${encodeURIComponent(ids[1]!)}`);
    library.on('dialog', (d) => void d.accept());
    await library.getByTestId('delete-capture').click();
    await expect.poll(async () => (await packBytes(control, pack, at, size)).every((b) => b === 0), { timeout: 10_000 }).toBe(true);
    const tomb = (await readStore<CaptureRow>(control, 'captures')).find((r) => r.id === ids[1])!;
    expect(tomb.deleted).toBe(1);
    expect(tomb.erase).toBeUndefined();
    await library.close();
    const res = await exportAndCheck(control, [ids[0]!, ids[2]!]);
    expect(res.storedParts).toBe(2); // the erased hole splits the run
  });
});
