import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import JSZip from 'jszip';
import { startFixtureServers } from './fixtures';
import { launchWithExtension } from '../../src/cli/launch';
import { readCaptures } from './fixtures';
import type { Manifest } from '../../src/bundle/format';
import type { CaptureSummary } from '../../src/cli/capture';
import { backupIdentity, generateIdentity } from '../../src/crypto/keys';

const ROOT = resolve(import.meta.dirname, '../..');
const HOST_RULES = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost';
const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [resolve(ROOT, 'node_modules/tsx/dist/cli.mjs'), resolve(ROOT, 'src/cli/capture.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout: 300_000 }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function unzipTo(zipPath: string, dir: string): Promise<JSZip> {
  const zip = await JSZip.loadAsync(readFileSync(zipPath));
  for (const [name, entry] of Object.entries(zip.files)) {
    if (entry.dir) continue;
    const target = join(dir, name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, await entry.async('nodebuffer'));
  }
  return zip;
}

describe('npm run capture (CLI) end to end', () => {
  let servers: Awaited<ReturnType<typeof startFixtureServers>>;
  let work: string;
  beforeAll(async () => {
    servers = await startFixtureServers();
    work = mkdtempSync(join(tmpdir(), 'jz-cli-'));
  });
  afterAll(async () => {
    await servers?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('captures a batch from --urls-file, reports the failing URL, still writes a bundle, exits 1', async () => {
    const urlsFile = join(work, 'urls.txt');
    writeFileSync(urlsFile, `# batch\n${servers.a.origin}/article.html\n\nhttp://no-such-host.invalid/gone\n`);
    const out = join(work, 'batch.zip');
    const r = await runCli(['--json', '--no-tsa', `--out=${out}`, '--urls-file', urlsFile, '--browser-arg', HOST_RULES, '--wait', '200', `${servers.a.origin}/tall.html`]);
    expect(r.code, r.stderr).toBe(1);
    const summary = JSON.parse(r.stdout) as CaptureSummary;
    expect(summary.ok).toBe(false);
    expect(summary.captures.map((c) => [c.url, c.ok])).toEqual([
      [`${servers.a.origin}/tall.html`, true],
      [`${servers.a.origin}/article.html`, true],
      ['http://no-such-host.invalid/gone', false],
    ]);
    expect(summary.captures[2]!.error).toMatch(/Could not load/);
    expect(summary.out).toBe(out);
    expect(summary.bundleSha256).toBe(sha256(readFileSync(out)));

    const dir = join(work, 'batch');
    const zip = await unzipTo(out, dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.format).toBe('jianzheng-bundle');
    expect(manifest.captures.map((c) => c.url)).toEqual([`${servers.a.origin}/tall.html`, `${servers.a.origin}/article.html`]);
    const article = manifest.captures[1]!;
    expect(article.hash).toBe(summary.captures[1]!.hash);
    expect(article.page.title).toContain('健康码');
    expect(article.artifacts.map((a) => a.kind).sort()).toEqual(['html-snapshot', 'metadata', 'mhtml', 'screenshot-full', 'screenshot-visible', 'text']);
    for (const c of manifest.captures) {
      for (const a of c.artifacts) {
        expect(a.path.startsWith(`captures/${c.id}/`)).toBe(true);
        expect(sha256(readFileSync(join(dir, a.path))), a.path).toBe(a.sha256);
      }
      expect(sha256(readFileSync(join(dir, `captures/${c.id}/record.json`)))).toBe(c.hash);
    }
    // files map: every file but manifest.json and manifest.json.*
    const names = Object.keys(zip.files).filter((n) => !zip.files[n]!.dir);
    expect(Object.keys(manifest.files).sort()).toEqual(names.filter((n) => n !== 'manifest.json' && !n.startsWith('manifest.json.')).sort());
    // Stock tools agree.
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir }).toString()).not.toMatch(/FAILED/);
    expect(execFileSync('openssl', ['dgst', '-sha256', '-verify', 'public-key.pem', '-signature', 'manifest.json.sig', 'manifest.json'], { cwd: dir }).toString()).toContain('Verified OK');
  });

  it('exits 0 when every URL is captured, and the verifier accepts the bundle', async () => {
    const out = join(work, 'one.zip');
    const r = await runCli(['--no-tsa', '--out', out, '--browser-arg', HOST_RULES, `${servers.a.origin}/tall.html`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 of 1 URL\(s\) captured/);
    const v = await new Promise<{ code: number; out: string }>((res) =>
      execFile(process.execPath, [resolve(ROOT, 'node_modules/tsx/dist/cli.mjs'), resolve(ROOT, 'src/cli/verify.ts'), out], { cwd: ROOT }, (err, stdout) => res({ code: err ? 1 : 0, out: stdout })),
    );
    expect(v.code, v.out).toBe(0);
  });

  it('keeps captures in the --profile store, and signs later bundles with the same key', async () => {
    const profile = join(work, 'profile');
    const a = await runCli(['--json', '--no-tsa', '--profile', profile, '--out', join(work, 'p1.zip'), '--browser-arg', HOST_RULES, `${servers.a.origin}/tall.html`]);
    const b = await runCli(['--json', '--no-tsa', '--profile', profile, '--out', join(work, 'p2.zip'), '--browser-arg', HOST_RULES, `${servers.a.origin}/article.html`]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const sa = JSON.parse(a.stdout) as CaptureSummary;
    const sb = JSON.parse(b.stdout) as CaptureSummary;
    expect(sa.signer?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(sb.signer?.fingerprint).toBe(sa.signer?.fingerprint);
    const browser = await launchWithExtension({ profileDir: profile, browserArgs: [HOST_RULES] });
    try {
      const page = await browser.openPage('library.html');
      const ids = (await readCaptures(page)).map((c) => c.id).sort();
      expect(ids).toEqual([sa.captures[0]!.id, sb.captures[0]!.id].sort());
    } finally {
      await browser.close();
    }
  });

  it('signs with a --key backup and encrypts with --age-recipient so that stock age -d opens it', async () => {
    const identity = await generateIdentity('河岸新闻 evidence desk');
    const keyFile = join(work, 'signing-key.age');
    writeFileSync(keyFile, await backupIdentity(identity, 'correct horse battery staple'));
    execFileSync('age-keygen', ['-o', join(work, 'age-id.txt')], { stdio: 'ignore' });
    const recipient = /public key: (age1[0-9a-z]+)/.exec(readFileSync(join(work, 'age-id.txt'), 'utf8'))?.[1] ?? execFileSync('age-keygen', ['-y', join(work, 'age-id.txt')]).toString().trim();
    const out = join(work, 'sealed.zip');
    const r = await runCli(['--json', '--no-tsa', '--key', keyFile, '--age-recipient', recipient, '--out', out, '--browser-arg', HOST_RULES, `${servers.a.origin}/tall.html`], { JIANZHENG_KEY_PASSPHRASE: 'correct horse battery staple' });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as CaptureSummary;
    expect(summary.out).toBe(`${out}.age`);
    expect(summary.signer?.fingerprint).toBe(identity.fingerprint);
    expect(readFileSync(`${out}.age`).subarray(0, 21).toString()).toBe('age-encryption.org/v1');
    execFileSync('age', ['-d', '-i', join(work, 'age-id.txt'), '-o', join(work, 'opened.zip'), `${out}.age`]);
    const dir = join(work, 'opened');
    await unzipTo(join(work, 'opened.zip'), dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.signer?.fingerprint).toBe(identity.fingerprint);
    expect(manifest.signer?.name).toBe('河岸新闻 evidence desk');
    expect(execFileSync('openssl', ['dgst', '-sha256', '-verify', 'public-key.pem', '-signature', 'manifest.json.sig', 'manifest.json'], { cwd: dir }).toString()).toContain('Verified OK');
    // A wrong key passphrase is refused in plain words and nothing is captured.
    const bad = await runCli(['--no-tsa', '--key', keyFile, '--out', join(work, 'x.zip'), '--browser-arg', HOST_RULES, `${servers.a.origin}/tall.html`], { JIANZHENG_KEY_PASSPHRASE: 'wrong' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/passphrase|decrypt/i);
  });

  it('rejects bad options with a clear message and exit 2', async () => {
    const r = await runCli(['--wait', 'soon', 'http://127.0.0.1/']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--wait takes a whole number/);
    const r2 = await runCli(['not-a-url']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/Not a URL/);
  });
});
