import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../src/crypto/hash';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, type Manifest } from '../../src/bundle/format';
import {
  manifestTimestampFiles,
  timestampBundleCheck,
  timestampBundleFiles,
  type ManifestTimestampWithChain,
  tsrDataPath, tsrPath, verifyBundleTimestamps, type TokenForBundle } from '../../src/timestamp/bundle';
import { requestToken } from '../../src/timestamp/client';
import { timestampVerifyInstructions } from '../../src/timestamp/instructions';
import type { VerifyContext } from '../../src/bundle/verify';
import { makeTestPki, startLocalTsa, type LocalTsa, type TestPki } from './local-tsa';

const run = promisify(execFile);
const enc = new TextEncoder();

describe('time-stamps in a bundle', () => {
  let a: LocalTsa;
  let b: LocalTsa;
  let stranger: TestPki;
  let files: Map<string, Uint8Array>;
  let manifest: Manifest;
  let entries: ManifestTimestampWithChain[];
  const sent: { responseSha256: string; nonce: string; path: string }[] = [];
  const capturedAt = new Date().toISOString();

  beforeAll(async () => {
    [a, b, stranger] = await Promise.all([startLocalTsa({ name: 'Alpha' }), startLocalTsa({ name: 'Beta', keyAlg: 'ec' }), makeTestPki({ name: 'Stranger' })]);
    files = new Map();
    const rows: TokenForBundle[] = [];
    for (const id of ['c1', 'c2', 'c3']) {
      const path = `captures/${id}/record.json`;
      const bytes = enc.encode(canonicalJson({ id, url: `https://example.org/${id}`, note: '郑州烂尾楼业主' }));
      files.set(path, bytes);
      if (id === 'c3') continue; // exported while its token was still pending
      for (const tsa of id === 'c1' ? [a, b] : [a]) {
        const t = await requestToken(tsa.url, bytes);
        rows.push({ path, tsaUrl: t.tsaUrl, genTime: t.genTime, response: t.response });
        sent.push({ responseSha256: await sha256Hex(t.response), nonce: t.nonce, path });
      }
    }
    const tb = await timestampBundleFiles(rows);
    for (const [k, v] of tb.files) files.set(k, v);
    manifest = {
      format: BUNDLE_FORMAT,
      formatVersion: BUNDLE_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      tool: { name: 'Jianzheng', version: 'test' },
      captures: ['c1', 'c2', 'c3'].map((id) => ({
        id, url: '', finalUrl: '', capturedAt, hash: '', artifacts: [],
        page: { title: null, canonicalUrl: null, author: null, publishedAt: null, siteName: null, lang: null, description: null },
      })),
      files: {},
    };
    for (const [k, v] of files) manifest.files[k] = await sha256Hex(v);
    entries = tb.entries;
    manifest.timestamps = entries;
    const manifestBytes = enc.encode(JSON.stringify(manifest));
    files.set('manifest.json', manifestBytes);
    const mt = await requestToken(b.url, manifestBytes);
    for (const [k, v] of await manifestTimestampFiles([mt])) files.set(k, v);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close(), rm(stranger.dir, { recursive: true, force: true })]);
  });

  it('names token files P.tsr, P.2.tsr … and maps them back', () => {
    expect(tsrPath('captures/x/record.json', 0)).toBe('captures/x/record.json.tsr');
    expect(tsrPath('captures/x/record.json', 1)).toBe('captures/x/record.json.2.tsr');
    const names = new Set(['captures/x/record.json']);
    expect(tsrDataPath('captures/x/record.json.tsr', names)).toBe('captures/x/record.json');
    expect(tsrDataPath('captures/x/record.json.2.tsr', names)).toBe('captures/x/record.json');
    expect(tsrDataPath('captures/y/record.json.tsr', names)).toBeNull();
  });

  it('puts tokens, chains and manifest entries in place', () => {
    expect([...files.keys()].filter((k) => k.endsWith('.tsr')).sort()).toEqual([
      'captures/c1/record.json.2.tsr',
      'captures/c1/record.json.tsr',
      'captures/c2/record.json.tsr',
      'manifest.json.tsr',
    ]);
    const certs = [...files.keys()].filter((k) => k.startsWith('tsa-certs/'));
    expect(certs).toHaveLength(2); // one per TSA certificate, shared by the tokens it made
    expect(files.has('manifest.json.tsa-certs.pem')).toBe(true);
    expect(entries.map((e) => e.token).sort()).toEqual(['captures/c1/record.json.2.tsr', 'captures/c1/record.json.tsr', 'captures/c2/record.json.tsr']);
    for (const e of entries) expect(files.has(e.chain)).toBe(true);
  });

  it('verifies every token, and warns about the capture that has none', async () => {
    const checks = await verifyBundleTimestamps(files, manifest, { roots: [a.rootPem, b.rootPem] });
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.filter((c) => c.id === 'timestamp')).toHaveLength(4);
    expect(checks.find((c) => c.file === 'manifest.json.tsr')!.message).toMatch(/manifest.json existed at .*CN=Beta TSA/);
    const warn = checks.filter((c) => c.warning);
    expect(warn).toEqual([expect.objectContaining({ id: 'timestamp-missing', file: 'captures/c3/record.json' })]);
  });

  it('a changed record fails its tokens, naming the token file', async () => {
    const t = new Map(files);
    const bytes = t.get('captures/c1/record.json')!.slice();
    bytes[5] = bytes[5]! ^ 1;
    t.set('captures/c1/record.json', bytes);
    const bad = (await verifyBundleTimestamps(t, manifest, { roots: [a.rootPem, b.rootPem] })).filter((c) => !c.ok);
    expect(bad.map((c) => [c.id, c.file])).toEqual([
      ['timestamp-imprint', 'captures/c1/record.json.2.tsr'],
      ['timestamp-imprint', 'captures/c1/record.json.tsr'],
    ]);
  });

  it("another capture's token fails; an orphan token fails; an untrusted root fails", async () => {
    const swapped = new Map(files);
    swapped.set('captures/c2/record.json.tsr', files.get('captures/c1/record.json.tsr')!);
    swapped.set('captures/c9/record.json.tsr', files.get('captures/c1/record.json.tsr')!);
    const bad = (await verifyBundleTimestamps(swapped, manifest, { roots: [a.rootPem, b.rootPem] })).filter((c) => !c.ok);
    expect(bad.map((c) => [c.id, c.file])).toEqual([
      ['timestamp-imprint', 'captures/c2/record.json.tsr'],
      ['timestamp-orphan', 'captures/c9/record.json.tsr'],
    ]);
    const onlyA = (await verifyBundleTimestamps(files, manifest, { roots: [a.rootPem, stranger.rootPem] })).filter((c) => !c.ok);
    // Which of c1's two tokens is Beta's depends on the order of their times (same second: the URL).
    const betaToken = entries.find((e) => e.tsaUrl === b.url)!.token;
    expect(onlyA.map((c) => [c.id, c.file])).toEqual([
      ['timestamp-chain', betaToken],
      ['timestamp-chain', 'manifest.json.tsr'],
    ]);
    expect(onlyA[0]!.message).toContain('CN=Beta TSA');
  });

  it("checks nonces recorded in the ledger's 'timestamped' events", async () => {
    const ledger = (nonceOf: (n: string) => string) =>
      sent.map((x, i) => ({
        seq: i + 1, prevHash: '', bodyHash: '', hash: '',
        body: { time: '', type: 'timestamped' as const, captureId: null, payload: { path: x.path, tokens: [{ responseSha256: x.responseSha256, nonce: nonceOf(x.nonce) }] } },
      }));
    const good = await verifyBundleTimestamps(files, manifest, { roots: [a.rootPem, b.rootPem], ledger: ledger((n) => n) });
    expect(good.filter((c) => !c.ok)).toEqual([]);
    const bad = await verifyBundleTimestamps(files, manifest, { roots: [a.rootPem, b.rootPem], ledger: ledger((n) => `${n}1`) });
    expect(bad.filter((c) => !c.ok).map((c) => [c.id, c.file])).toEqual([
      ['timestamp-nonce', 'captures/c1/record.json.2.tsr'],
      ['timestamp-nonce', 'captures/c1/record.json.tsr'],
      ['timestamp-nonce', 'captures/c2/record.json.tsr'],
    ]);
    expect(bad.find((c) => !c.ok)!.message).toMatch(/nonce mismatch: the request had \d+1, the token has \d+/);
  });

  it('plugs into the bundle verifier as a check reading files through its context', async () => {
    const read = async (p: string) => {
      const v = files.get(p);
      if (!v) throw new Error(`${p} is not in the bundle`);
      return v;
    };
    const ctx = {
      entries: [...files.keys()].map((name) => ({ name, method: 0, compressedSize: 0, size: 0, crc32: 0, localOffset: 0, isDirectory: false })),
      hashes: new Map(),
      manifest,
      manifestBytes: files.get('manifest.json')!,
      bytes: new Map(),
      read,
      ledger: null,
    } as unknown as VerifyContext;
    const good = await timestampBundleCheck({ roots: [a.rootPem, b.rootPem] }).run(ctx);
    expect(good.filter((c) => c.id === 'timestamp' && c.ok)).toHaveLength(4);
    const bad = await timestampBundleCheck({ roots: [stranger.rootPem] }).run(ctx);
    expect(bad.filter((c) => !c.ok).map((c) => c.id)).toEqual(Array(4).fill('timestamp-chain'));
  });

  it("VERIFY.txt's openssl loop, run as written, passes every token and catches a changed file", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jz-tsb-'));
    try {
      for (const [k, v] of files) {
        await mkdir(dirname(join(dir, k)), { recursive: true });
        await writeFile(join(dir, k), v);
      }
      const both = join(dir, '..', `${dir.split('/').pop()}-roots.pem`);
      await writeFile(both, a.rootPem + b.rootPem);
      const text = timestampVerifyInstructions('en');
      const loop = /^ {5}find \. -name[\s\S]*?^ {5}done$/m.exec(text)![0].replace(/\/etc\/ssl\/certs\/ca-certificates\.crt/g, both);
      const ok = await run('sh', ['-c', loop], { cwd: dir });
      const lines = ok.stdout.trim().split('\n').sort();
      expect(lines).toHaveLength(4);
      for (const l of lines) expect(l).toMatch(/\.tsr: Verification: OK$/);
      const rec = join(dir, 'captures/c2/record.json');
      await writeFile(rec, 'tampered');
      const after = (await run('sh', ['-c', loop], { cwd: dir })).stdout;
      expect(after).toMatch(/c2\/record\.json\.tsr: .*(imprint mismatch|FAILED|error)/i);
      await rm(both, { force: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('VERIFY.txt text exists in both languages with the same commands', () => {
    const en = timestampVerifyInstructions('en');
    const zh = timestampVerifyInstructions('zh');
    const cmds = (t: string) => t.split('\n').filter((l) => /^\s+(openssl|find|f=|printf|done)/.test(l)).map((l) => l.trim());
    expect(cmds(en).length).toBeGreaterThan(4);
    expect(cmds(zh)).toEqual(cmds(en));
    expect(zh).toContain('时间戳');
  });
});
