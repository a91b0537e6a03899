import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import JSZip from 'jszip';
import { SOCIAL_FIXTURES, fixtureFileFor } from '../fixtures/social';
import type { Manifest } from '../../src/bundle/format';
import type { CaptureSummary } from '../../src/cli/capture';

const ROOT = resolve(import.meta.dirname, '../..');
const SOCIAL = resolve(ROOT, 'tests/fixtures/social');
const PLATFORMS = ['weibo', 'wechat', 'x', 'zhihu', 'douyin', 'toutiao'];
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * One HTTPS server stands in for every platform and media host: Chromium resolves all hosts to it
 * (--host-resolver-rules), and it answers https://<host><path> from tests/fixtures/social.
 * HTTPS because some of these hosts are HSTS-preloaded in Chromium.
 */
function startPlatformServer(dir: string): Promise<{ server: Server; port: number; requests: string[]; referers: Map<string, string | undefined> }> {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=jianzheng-test'], { stdio: 'ignore' });
  const requests: string[] = [];
  const referers = new Map<string, string | undefined>();
  const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    const url = `https://${req.headers.host}${req.url}`;
    requests.push(url);
    referers.set(url, req.headers.referer);
    for (const platform of PLATFORMS) {
      for (const kind of ['page', 'media'] as const) {
        const file = join(SOCIAL, fixtureFileFor(platform, url.split('?')[0]!, kind));
        if (file.startsWith(SOCIAL) && existsSync(file) && !file.endsWith('/')) {
          try {
            const body = readFileSync(file);
            const isPng = body.subarray(0, 4).toString('hex') === '89504e47';
            res.writeHead(200, { 'content-type': kind === 'page' ? 'text/html; charset=utf-8' : isPng ? 'image/png' : 'image/jpeg' });
            res.end(body);
            return;
          } catch {
            /* a directory: keep looking */
          }
        }
      }
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ server, port: (server.address() as AddressInfo).port, requests, referers })));
}

describe('social posts end to end through the CLI, one per platform', () => {
  const fixtures = SOCIAL_FIXTURES.filter((f) => f.e2e);
  let work: string;
  let srv: Awaited<ReturnType<typeof startPlatformServer>>;
  let summary: CaptureSummary;
  let manifest: Manifest;
  let zip: JSZip;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'jz-social-'));
    srv = await startPlatformServer(work);
    const out = join(work, 'social.zip');
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((res) =>
      execFile(
        process.execPath,
        [
          resolve(ROOT, 'node_modules/tsx/dist/cli.mjs'), resolve(ROOT, 'src/cli/capture.ts'),
          '--json', '--no-tsa', '--ignore-https-errors', '--out', out,
          '--browser-arg', `--host-resolver-rules=MAP * 127.0.0.1:${srv.port}, EXCLUDE localhost`,
          ...fixtures.map((f) => f.url),
        ],
        { cwd: ROOT, maxBuffer: 64 << 20, timeout: 600_000 },
        (err, stdout, stderr) => res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    if (r.code !== 0) throw new Error(`CLI failed (${r.code}): ${r.stderr}\n${r.stdout}`);
    summary = JSON.parse(r.stdout) as CaptureSummary;
    zip = await JSZip.loadAsync(readFileSync(out));
    manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as Manifest;
  });
  afterAll(() => {
    srv?.server.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('covers every platform', () => {
    expect(fixtures.map((f) => f.platform).sort()).toEqual([...PLATFORMS].sort());
    expect(summary.captures.every((c) => c.ok)).toBe(true);
  });

  for (const platform of PLATFORMS) {
    it(`${platform}: the manifest carries the post's fields and its media, hashed, at original resolution`, async () => {
      const f = fixtures.find((x) => x.platform === platform)!;
      const cap = manifest.captures.find((c) => c.url === f.url)!;
      expect(cap, f.url).toBeDefined();
      const post = cap.post!;
      expect(post, `${platform} post`).toBeTruthy();
      expect(post.platform).toBe(platform);
      expect(post.id).toBe(f.expect.id);
      expect(post.author.name).toBe(f.expect.authorName);
      expect(post.status).toBe(f.expect.status);
      if (f.expect.textIncludes) expect(post.text).toContain(f.expect.textIncludes);
      expect(post.media).toHaveLength(f.expect.mediaCount);
      for (const m of post.media) {
        expect(m.missing, `${m.url}`).toBeUndefined();
        expect(m.path).toMatch(new RegExp(`^captures/${cap.id}/media/`));
        const artifact = cap.artifacts.find((a) => a.path === m.path)!;
        expect(artifact.kind).toBe('media');
        expect(artifact.sha256).toBe(m.sha256);
        const bytes = await zip.file(m.path!)!.async('uint8array');
        expect(sha256(bytes)).toBe(m.sha256);
        // The original-resolution URL is what was fetched, with the post's page as referrer.
        expect(srv.requests).toContain(m.url);
        expect(srv.referers.get(m.url), m.url).toBe(f.url);
      }
    });
  }
});
