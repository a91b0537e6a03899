import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import JSZip from 'jszip';
import { startFixtureServers, readCaptures, readLedger, readStore } from './fixtures';
import { launchWithExtension } from '../../src/cli/launch';
import { startLocalTsa, type LocalTsa } from '../timestamp/local-tsa';
import type { Manifest } from '../../src/bundle/format';
import type { CaptureSummary } from '../../src/cli/capture';

const ROOT = resolve(import.meta.dirname, '../..');
const HOST_RULES = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost';
const TSX = resolve(ROOT, 'node_modules/tsx/dist/cli.mjs');

function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) =>
    execFile(process.execPath, [TSX, resolve(ROOT, script), ...args], { cwd: ROOT, maxBuffer: 64 << 20, timeout: 300_000 }, (err, stdout, stderr) =>
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('trusted time through the CLI with a real local time-stamping authority', () => {
  let servers: Awaited<ReturnType<typeof startFixtureServers>>;
  let tsa: LocalTsa;
  let work: string;
  beforeAll(async () => {
    servers = await startFixtureServers();
    tsa = await startLocalTsa();
    work = mkdtempSync(join(tmpdir(), 'jz-tsa-'));
  });
  afterAll(async () => {
    await servers?.close();
    await tsa?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('stamps each capture record; openssl ts -verify and our verifier accept the token', async () => {
    const out = join(work, 'stamped.zip');
    const r = await run('src/cli/capture.ts', ['--json', '--tsa', tsa.url, '--out', out, '--browser-arg', HOST_RULES, `${servers.a.origin}/tall.html`]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as CaptureSummary;
    const id = summary.captures[0]!.id!;
    const zip = await JSZip.loadAsync(readFileSync(out));
    const dir = join(work, 'stamped');
    for (const [name, entry] of Object.entries(zip.files)) {
      if (entry.dir) continue;
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), await entry.async('nodebuffer'));
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    const record = `captures/${id}/record.json`;
    expect(Object.keys(manifest.files)).toContain(`${record}.tsr`);
    const ok = execFileSync('openssl', ['ts', '-verify', '-data', record, '-in', `${record}.tsr`, '-CAfile', tsa.rootPath], { cwd: dir }).toString();
    expect(ok).toMatch(/Verification: OK/);
    // A token does not vouch for another file.
    let wrong = '';
    try {
      execFileSync('openssl', ['ts', '-verify', '-data', 'manifest.json', '-in', `${record}.tsr`, '-CAfile', tsa.rootPath], { cwd: dir, stdio: 'pipe' });
    } catch (e) {
      wrong = String((e as { stdout?: Buffer }).stdout ?? '') + String((e as { stderr?: Buffer }).stderr ?? '');
    }
    expect(wrong).toMatch(/FAILED|mismatch/i);
    // The manifest is stamped at export too (its token sits beside it, outside the files map).
    expect(execFileSync('openssl', ['ts', '-verify', '-data', 'manifest.json', '-in', 'manifest.json.tsr', '-CAfile', tsa.rootPath], { cwd: dir }).toString()).toMatch(/Verification: OK/);
    const v = await run('src/cli/verify.ts', [out, '--tsa-root', tsa.rootPath]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    // Without trusting the local root, the verifier refuses the token's chain.
    const untrusted = await run('src/cli/verify.ts', [out]);
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.stdout).toMatch(/root|trust|chain/i);
  });

  it('an authority that is down never fails the capture; it waits in the queue and is stamped once the authority is back', async () => {
    const profile = join(work, 'profile');
    await tsa.stop();
    let id: string;
    try {
      const started = Date.now();
      const r = await run('src/cli/capture.ts', ['--json', '--tsa', tsa.url, '--profile', profile, '--out', join(work, 'down.zip'), '--browser-arg', HOST_RULES, `${servers.a.origin}/tall.html`]);
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout) as CaptureSummary;
      expect(summary.captures[0]!.ok).toBe(true);
      const zip = await JSZip.loadAsync(readFileSync(join(work, 'down.zip')));
      expect(Object.keys(zip.files).some((n) => n.endsWith('record.json.tsr'))).toBe(false);
      expect(Date.now() - started).toBeLessThan(120_000);
      id = summary.captures[0]!.id!;
    } finally {
      await tsa.start();
    }
    // Start the browser again on that profile and press "Retry now" in the options page (the
    // alarm would do the same within a minute or two, after the backoff).
    const browser = await launchWithExtension({ profileDir: profile, browserArgs: [HOST_RULES] });
    try {
      const page = await browser.openPage('options.html');
      expect(await readCaptures(page).then((rows) => rows.find((c) => c.id === id)?.trustedTime)).toBe('pending');
      await expect.poll(() => page.getByTestId('tsa-pending').textContent()).toMatch(/1/);
      await page.getByTestId('tsa-retry').click();
      await expect.poll(async () => (await readCaptures(page)).find((c) => c.id === id)?.trustedTime, { timeout: 60_000, interval: 1000 }).toBe('stamped');
      const stamps = await readStore<{ captureId: string; tsaUrl: string }>(page, 'timestamps');
      expect(stamps.filter((t) => t.captureId === id).map((t) => t.tsaUrl)).toEqual([tsa.url]);
      expect((await readLedger(page)).some((e) => e.type === 'timestamped' && e.captureId === id)).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
