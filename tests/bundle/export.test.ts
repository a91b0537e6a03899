import 'fake-indexeddb/auto';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultTimestampFiles, exportBundle } from '../../src/bundle/export';
import { verifyBundle } from '../../src/bundle/verify';
import type { Manifest } from '../../src/bundle/format';
import type { ExportedLedgerEvent } from '../../src/ledger/types';
import { blobBytes, makeCapture, makeInput, makeLedger, stockAgeDecrypt, tempDir, unzipAll, writeTree } from './fixtures';

const run = (cmd: string, args: string[], cwd: string): string => execFileSync(cmd, args, { cwd, encoding: 'utf8' });

describe('exportBundle', () => {
  it('makes a bundle that sha256sum, openssl and our verifier accept', async () => {
    const caps = [await makeCapture('c1'), await makeCapture('c2')];
    const other = await makeCapture('c3');
    const ledger = await makeLedger([...caps, other]);
    const input = await makeInput(caps, ledger);
    const { blob, fileName, manifest } = await exportBundle(input);
    expect(fileName).toBe('jianzheng-20220615T000000Z.zip');

    const zip = await blobBytes(blob);
    const files = await unzipAll(zip);
    const dir = tempDir();
    writeTree(dir, files);

    // Every file in the zip but manifest.json(.*) is in the files map, and nothing else is.
    expect(Object.keys(manifest.files).sort()).toEqual([...files.keys()].filter((p) => p !== 'manifest.json' && !p.startsWith('manifest.json.')).sort());
    expect(Object.keys(manifest.files)).toContain('SHA256SUMS');
    expect(readFileSync(join(dir, 'captures/c1/record.json'), 'utf8')).toBe(caps[0]!.row.recordJson);
    expect(manifest.signer).toEqual({ fingerprint: input.signer.fingerprint, name: 'Test Archive 测试档案馆', algorithm: 'ECDSA-P256-SHA256' });

    const sums = run('sha256sum', ['-c', 'SHA256SUMS'], dir);
    expect(sums.trim().split('\n')).toHaveLength(Object.keys(manifest.files).length - 1);
    expect(sums).not.toMatch(/FAILED/);
    expect(run('openssl', ['dgst', '-sha256', '-verify', 'public-key.pem', '-signature', 'manifest.json.sig', 'manifest.json'], dir).trim()).toBe('Verified OK');
    // The fingerprint recipe of VERIFY.txt gives the manifest's fingerprint.
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', 'public-key.pem', '-outform', 'DER'], { cwd: dir });
    const fp = spawnSync('sha256sum', [], { input: der, encoding: 'utf8' }).stdout.split(' ')[0];
    expect(fp).toBe(manifest.signer!.fingerprint);
    const verifyTxt = readFileSync(join(dir, 'VERIFY.txt'), 'utf8');
    expect(verifyTxt).toContain(manifest.signer!.fingerprint);
    // Made in pieces: the record.json list sits whole between its neighbours, and the text goes on.
    expect(verifyTxt).toContain(caps.map((c) => `  ${c.row.hash}  captures/${c.row.id}/record.json`).join('\n'));
    expect(verifyTxt).toMatch(/Bundle created .*\n证据包生成于 .*\n$/);
    expect(verifyTxt).not.toContain('\u0000');

    const report = await verifyBundle(zip);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('exports the whole ledger chain but discloses only the exported captures', async () => {
    const caps = [await makeCapture('c1')];
    const other = await makeCapture('c3');
    const ledger = await makeLedger([...caps, other]);
    const { blob, manifest } = await exportBundle(await makeInput(caps, ledger));
    const files = await unzipAll(await blobBytes(blob));
    const text = new TextDecoder().decode(files.get('ledger.jsonl'));
    const events = text.trim().split('\n').map((l) => JSON.parse(l) as ExportedLedgerEvent);
    expect(events.map((e) => e.seq)).toEqual(ledger.map((e) => e.seq));
    expect(events.map((e) => e.hash)).toEqual(ledger.map((e) => e.hash));
    expect(events.filter((e) => e.body).map((e) => e.body!.type)).toEqual(['key-created', 'captured', 'note']);
    expect(text).not.toContain('"c3"');
    expect(text).not.toContain('captures/c3');
    expect(text).not.toContain(other.row.hash);
    expect(text).not.toContain('secret case name');
    expect(manifest.ledger).toEqual({ file: 'ledger.jsonl', count: ledger.length, headHash: ledger.at(-1)!.hash });
  });

  it('writes a static, escaped, bilingual report.html', async () => {
    const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const caps = [await makeCapture('c1', { title: hostile, url: 'https://evil.example/"><script>x()</script>' })];
    const { blob } = await exportBundle(await makeInput(caps, await makeLedger(caps)));
    const html = new TextDecoder().decode((await unzipAll(await blobBytes(blob))).get('report.html'));
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'">`);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain('src="captures/c1/screenshot-visible.png"');
    expect(html).toContain('证据包报告');
    expect(html).toContain('Evidence bundle report');
  });

  it('lays out each capture of report.html as a section of its details, files and custody events', async () => {
    const caps = [await makeCapture('c1'), await makeCapture('c2', { title: 'A & "B"' })];
    const { blob, manifest } = await exportBundle(await makeInput(caps, await makeLedger(caps)));
    const html = new TextDecoder().decode((await unzipAll(await blobBytes(blob))).get('report.html'));
    const c = manifest.captures[1]!;
    const [html1, shot, text] = c.artifacts;
    const events = (await makeLedger(caps)).filter((e) => e.captureId === 'c2');
    // Written out by hand: the second section, whole, as a reader's browser gets it.
    const want = `
<section class="capture" id="c-c2">
<h2>Capture 2 <span lang="zh-CN">第 2 项</span>: A &amp; &quot;B&quot;</h2>
<a href="captures/c2/screenshot-visible.png"><img src="captures/c2/screenshot-visible.png" alt="screenshot / 截图"></a>
<table>
<tr><th>Requested URL <span lang="zh-CN">请求的网址</span></th><td class="mono">${c.url}</td></tr>
<tr><th>Final URL <span lang="zh-CN">最终网址</span></th><td class="mono">${c.finalUrl}</td></tr>
<tr><th>Title <span lang="zh-CN">标题</span></th><td>A &amp; &quot;B&quot;</td></tr>
<tr><th>Captured at (UTC, capturing computer’s clock) <span lang="zh-CN">采集时间（UTC，采集电脑时钟）</span></th><td class="mono">${c.capturedAt}</td></tr>
<tr><th>Capture ID <span lang="zh-CN">采集编号</span></th><td class="mono">c2</td></tr>
<tr><th>Capture hash (SHA-256 of record.json) <span lang="zh-CN">采集哈希（record.json 的 SHA-256）</span></th><td class="mono">${c.hash}</td></tr>
</table>
<h3>Files <span lang="zh-CN">文件</span></h3>
<table class="files"><tr><th>File <span lang="zh-CN">文件</span></th><th>Bytes <span lang="zh-CN">字节</span></th><th>SHA-256</th></tr>
<tr><td class="mono">${html1!.path}</td><td>${html1!.size}</td><td class="mono">${html1!.sha256}</td></tr>
<tr><td class="mono">${shot!.path}</td><td>${shot!.size}</td><td class="mono">${shot!.sha256}</td></tr>
<tr><td class="mono">${text!.path}</td><td>${text!.size}</td><td class="mono">${text!.sha256}</td></tr>
</table>
<h3>Custody events <span lang="zh-CN">保管记录</span></h3>
<table class="events"><tr><th>#</th><th>Time (UTC) <span lang="zh-CN">时间（UTC）</span></th><th>Event <span lang="zh-CN">事件</span></th><th>Details <span lang="zh-CN">详情</span></th></tr>
<tr><td>${events[0]!.seq}</td><td class="mono">${events[0]!.time}</td><td>captured</td><td class="mono">{&quot;hash&quot;:&quot;${c.hash}&quot;,&quot;url&quot;:&quot;${c.url}&quot;}</td></tr>
<tr><td>${events[1]!.seq}</td><td class="mono">${events[1]!.time}</td><td>note</td><td class="mono">{&quot;text&quot;:&quot;note on c2&quot;}</td></tr>
</table>
</section>
<h2>Ledger`;
    expect(html).toContain(want);
    expect(html.indexOf('<section class="capture" id="c-c1">')).toBeLessThan(html.indexOf('<section class="capture" id="c-c2">'));
  });

  it('writes report.html block by block into the same bytes as its text joined whole, with its hash in the manifest', async () => {
    const caps = await Promise.all(['c1', 'c2', 'c3'].map((id, i) => makeCapture(id, { title: `郑州 ${i}` })));
    const input = await makeInput(caps, await makeLedger(caps));
    const { blob, manifest } = await exportBundle(input);
    const report = (await unzipAll(await blobBytes(blob))).get('report.html')!;
    const { reportText } = await import('../../src/bundle/texts');
    const { textString } = await import('../../src/bundle/text-pieces');
    const { exportLedger } = await import('../../src/ledger/ledger');
    const whole = textString((out) => reportText({ createdAt: input.createdAt, tool: input.tool, signer: manifest.signer!, captures: manifest.captures, ledger: exportLedger(input.ledger, () => true) }, out));
    expect(new TextDecoder().decode(report)).toBe(whole);
    expect(manifest.files['report.html']).toBe(createHash('sha256').update(report).digest('hex'));
  });

  it('includes time-stamp tokens as <path>.tsr, in the files map', async () => {
    const caps = [await makeCapture('c1')];
    const input = await makeInput(caps, await makeLedger(caps));
    const tok = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]);
    input.timestamps = [
      { id: 't1', captureId: 'c1', path: 'captures/c1/record.json', tsaUrl: 'https://tsa.example/a', genTime: '2022-06-14T02:03:05Z', response: tok },
      { id: 't2', captureId: 'c1', path: 'captures/c1/record.json', tsaUrl: 'https://tsa.example/b', genTime: '2022-06-14T02:03:06Z', response: tok },
      { id: 't3', captureId: 'c9', path: 'captures/c9/record.json', tsaUrl: 'https://tsa.example/a', genTime: '2022-06-14T02:03:06Z', response: tok },
    ];
    // Placeholder tokens: laid out without parsing them (the real-token path is in verify.test.ts).
    const { blob, manifest } = await exportBundle(input, { timestampFiles: defaultTimestampFiles });
    const files = await unzipAll(await blobBytes(blob));
    expect(files.get('captures/c1/record.json.tsr')).toEqual(tok);
    expect(files.get('captures/c1/record.json.2.tsr')).toEqual(tok);
    expect([...files.keys()].some((p) => p.includes('c9'))).toBe(false);
    expect(manifest.timestamps).toEqual([
      { path: 'captures/c1/record.json', token: 'captures/c1/record.json.tsr', tsaUrl: 'https://tsa.example/a', genTime: '2022-06-14T02:03:05Z' },
      { path: 'captures/c1/record.json', token: 'captures/c1/record.json.2.tsr', tsaUrl: 'https://tsa.example/b', genTime: '2022-06-14T02:03:06Z' },
    ]);
    expect(manifest.files['captures/c1/record.json.2.tsr']).toMatch(/^[0-9a-f]{64}$/);
    expect((await verifyBundle(await blobBytes(blob))).ok).toBe(true);
  });

  it('adds manifest time-stamps after signing, outside the files map', async () => {
    const caps = [await makeCapture('c1')];
    let stamped: Uint8Array | null = null;
    const { blob, manifest } = await exportBundle(await makeInput(caps, await makeLedger(caps)), {
      manifestTimestamps: async (bytes) => {
        stamped = bytes;
        return new Map([['manifest.json.tsr', new Uint8Array([0x30, 0x00])]]);
      },
    });
    const files = await unzipAll(await blobBytes(blob));
    expect(files.get('manifest.json')).toEqual(stamped);
    expect(files.get('manifest.json.tsr')).toEqual(new Uint8Array([0x30, 0x00]));
    expect(manifest.files).not.toHaveProperty('manifest.json.tsr');
    expect((await verifyBundle(await blobBytes(blob))).ok).toBe(true);
    await expect(exportBundle(await makeInput(caps, []), { manifestTimestamps: async () => new Map([['evil.tsr', new Uint8Array(1)]]) })).rejects.toThrow(
      'manifest time-stamp file "evil.tsr" must be named manifest.json.tsr, manifest.json.<n>.tsr or manifest.json.tsa-certs.pem',
    );
  });

  it('encrypts to age recipients so that stock `age -d -i` decrypts it', async () => {
    const dir = tempDir('jz-age-');
    execFileSync('age-keygen', ['-o', join(dir, 'key.txt')], { stdio: 'ignore' });
    const recipient = /public key: (age1\S+)/.exec(readFileSync(join(dir, 'key.txt'), 'utf8'))![1]!;
    const caps = [await makeCapture('c1')];
    const { blob, fileName, encrypted } = await exportBundle(await makeInput(caps, await makeLedger(caps)), { age: { recipients: [recipient] } });
    expect(fileName).toMatch(/\.zip\.age$/);
    expect(encrypted).toBe(true);
    writeFileSync(join(dir, fileName), await blobBytes(blob));
    execFileSync('age', ['-d', '-i', 'key.txt', '-o', 'out.zip', fileName], { cwd: dir });
    const zip = new Uint8Array(readFileSync(join(dir, 'out.zip')));
    expect((await verifyBundle(zip)).ok).toBe(true);
  });

  // Stock age reads passphrases only from a terminal: stockAgeDecrypt gives it one with `script`.
  it('encrypts under a passphrase so that stock `age -d` decrypts it', async () => {
    const caps = [await makeCapture('c1')];
    const { blob } = await exportBundle(await makeInput(caps, await makeLedger(caps)), { age: { passphrase: 'correct horse battery staple' } });
    const bytes = await blobBytes(blob);
    expect(new TextDecoder().decode(bytes.subarray(0, 21))).toBe('age-encryption.org/v1');
    expect(new TextDecoder().decode(bytes)).toContain('-> scrypt ');
    const dir = tempDir('jz-agepass-');
    writeFileSync(join(dir, 'b.zip.age'), bytes);
    stockAgeDecrypt(join(dir, 'b.zip.age'), join(dir, 'b.zip'), 'correct horse battery staple');
    expect((await verifyBundle(new Uint8Array(readFileSync(join(dir, 'b.zip'))))).ok).toBe(true);
  }, 120_000);

  it('reports progress and can be cancelled', async () => {
    const caps = [await makeCapture('c1'), await makeCapture('c2')];
    const input = await makeInput(caps, await makeLedger(caps));
    const seen: number[] = [];
    await exportBundle(input, { onProgress: (p) => seen.push(p.percent) });
    expect(seen.at(-1)).toBe(100);
    expect(seen.length).toBeGreaterThan(3);

    const ac = new AbortController();
    const p = exportBundle(input, {
      signal: ac.signal,
      onProgress: (pr) => {
        if (pr.phase === 'zip') ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses a capture whose stored record does not match its hash', async () => {
    const c = await makeCapture('c1');
    c.row.recordJson = c.row.recordJson.replace('河南', '北京');
    await expect(exportBundle(await makeInput([c], []))).rejects.toThrow(/record.json does not match the stored hash/);
  });

  it('keeps the manifest readable and exact', async () => {
    const caps = [await makeCapture('c1')];
    const { blob, manifest, manifestSha256 } = await exportBundle(await makeInput(caps, await makeLedger(caps)));
    const files = await unzipAll(await blobBytes(blob));
    const parsed = JSON.parse(new TextDecoder().decode(files.get('manifest.json'))) as Manifest;
    expect(parsed).toEqual(manifest);
    expect(parsed.captures[0]).toMatchObject({ id: 'c1', url: caps[0]!.row.url, hash: caps[0]!.row.hash });
    const { sha256Hex } = await import('../../src/crypto/hash');
    expect(await sha256Hex(files.get('manifest.json')!)).toBe(manifestSha256);
    // Made in pieces, the bytes are still exactly the indented JSON of the manifest.
    expect(new TextDecoder().decode(files.get('manifest.json'))).toBe(JSON.stringify(manifest, null, 2) + '\n');
  });

  it('writes each ledger line as the canonical JSON of its event', async () => {
    const { ledgerText } = await import('../../src/bundle/export');
    const { textString } = await import('../../src/bundle/text-pieces');
    const { canonicalJson } = await import('../../src/crypto/hash');
    const caps = [await makeCapture('l1')];
    const { exportLedger } = await import('../../src/ledger/ledger');
    const events = exportLedger(await makeLedger(caps), (e) => e.seq % 2 === 1);
    expect(events.some((e) => e.body) && events.some((e) => !e.body)).toBe(true);
    // Odd shapes take the library's whole path: an extra key, a non-hex hash, a fractional seq.
    const odd = [{ ...events[0]!, extra: '郑州' }, { ...events[0]!, hash: 'ZZ' }, { ...events[0]!, seq: 1.5 }] as typeof events;
    // A body the envelope path writes part by part: Chinese, escapes, nested arrays, numbers.
    const full = events.find((e) => e.body)!;
    const awkward = { ...full, body: { ...full.body!, payload: { text: '备注 "引号" \\ \n', list: [1, 2.5, null, ['深', {}]], z: { b: 1, a: 2 } } } } as typeof full;
    for (const e of [...events, awkward, ...odd]) expect(textString((out) => ledgerText([e], out))).toBe(canonicalJson(e) + '\n');
    expect(textString((out) => ledgerText(events, out))).toBe(events.map((e) => canonicalJson(e) + '\n').join(''));
  });

});
