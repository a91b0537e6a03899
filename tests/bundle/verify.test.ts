import 'fake-indexeddb/auto';
import JSZip from 'jszip';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBundle } from '../../src/bundle/export';
import { verifyBundle, type BundleCheck, type CheckResult, type VerifyReport } from '../../src/bundle/verify';
import { manifestTimestampFiles, timestampBundleCheck } from '../../src/timestamp/bundle';
import { requestToken } from '../../src/timestamp/client';
import { startLocalTsa, type LocalTsa } from '../timestamp/local-tsa';
import { createEphemeralSigner } from '../../src/crypto/keys';
import { toPem } from '../../src/crypto/ecdsa';
import { canonicalJson, fromHex, sha256Hex } from '../../src/crypto/hash';

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
import { extractBundle, fileSource, nodeInflateRaw, runVerifyCli } from '../../src/cli/verify';
import { createDigestPool } from '../../src/cli/digest-pool';
import { open } from 'node:fs/promises';
import { zipSource } from '../../src/bundle/zip-reader';
import type { ExportedLedgerEvent } from '../../src/ledger/types';
import { blobBytes, makeCapture, makeInput, makeLedger, rezip, tempDir, unzipAll, writeTree } from './fixtures';

let good: Uint8Array;
let files: Map<string, Uint8Array>;
let tsa: LocalTsa;
let tsChecks: BundleCheck[];

// A real local time-stamping authority (openssl ts), so the bundles carry real tokens and chains.
beforeAll(async () => {
  tsa = await startLocalTsa({ name: 'Bundle test TSA' });
  tsChecks = [timestampBundleCheck({ roots: [tsa.rootPem] })];
  const caps = [await makeCapture('c1'), await makeCapture('c2')];
  const input = await makeInput(caps, await makeLedger([...caps, await makeCapture('c3')]));
  const t = await requestToken(tsa.url, new TextEncoder().encode(caps[0]!.row.recordJson));
  input.timestamps = [{ id: 't1', captureId: 'c1', path: 'captures/c1/record.json', tsaUrl: t.tsaUrl, genTime: t.genTime, response: t.response }];
  const res = await exportBundle(input, { manifestTimestamps: async (m) => manifestTimestampFiles([await requestToken(tsa.url, m)]) });
  good = await blobBytes(res.blob);
  files = await unzipAll(good);
});
afterAll(async () => {
  await tsa?.close();
});

const failed = (r: VerifyReport): CheckResult[] => r.checks.filter((c) => !c.ok);
const enc = new TextEncoder();
const dec = new TextDecoder();

async function tampered(edit: (f: Map<string, Uint8Array>) => void | Promise<void>): Promise<VerifyReport> {
  const copy = new Map([...files].map(([k, v]) => [k, v.slice()]));
  await edit(copy);
  return verifyBundle(await rezip(copy), { extraChecks: tsChecks });
}

function ledgerEvents(f: Map<string, Uint8Array>): ExportedLedgerEvent[] {
  return dec.decode(f.get('ledger.jsonl')).trim().split('\n').map((l) => JSON.parse(l) as ExportedLedgerEvent);
}
function setLedger(f: Map<string, Uint8Array>, events: ExportedLedgerEvent[]): void {
  f.set('ledger.jsonl', enc.encode(events.map((e) => canonicalJson(e) + '\n').join('')));
}

/** Renames one entry in the raw zip bytes (local and central headers) to a name of the same length. */
function patchName(zip: Uint8Array, from: string, to: string): Uint8Array {
  const out = zip.slice();
  const a = enc.encode(from);
  const b = enc.encode(to);
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i + a.length <= out.length; i++) {
    if (a.every((x, j) => out[i + j] === x)) {
      out.set(b, i);
      n++;
    }
  }
  expect(n).toBeGreaterThanOrEqual(2);
  return out;
}

async function plainZip(entries: [string, Uint8Array | string][]): Promise<Uint8Array> {
  const z = new JSZip();
  for (const [p, d] of entries) z.file(p, d, { createFolders: false });
  return z.generateAsync({ type: 'uint8array', compression: 'DEFLATE' });
}

describe('verifyBundle', () => {
  it('accepts an untouched bundle and reports every check', async () => {
    const r = await verifyBundle(good, { extraChecks: tsChecks });
    expect(failed(r)).toEqual([]);
    expect(r.ok).toBe(true);
    const ids = new Set(r.checks.map((c) => c.id));
    for (const id of ['zip-structure', 'manifest', 'signature', 'signer', 'file-hash', 'files-complete', 'sha256sums', 'record', 'ledger-chain', 'ledger-head', 'ledger-capture', 'timestamp']) expect(ids).toContain(id);
    expect(r.checks.filter((c) => c.id === 'timestamp').map((c) => c.file)).toEqual(['captures/c1/record.json.tsr', 'manifest.json.tsr']);
    expect([...files.keys()].some((p) => p.startsWith('tsa-certs/'))).toBe(true);
    // The tokens in the bundle pass stock openssl as VERIFY.txt describes.
    const dir = tempDir('jz-ts-');
    writeTree(dir, files);
    for (const [data, tok] of [['captures/c1/record.json', 'captures/c1/record.json.tsr'], ['manifest.json', 'manifest.json.tsr']] as const) {
      const out = spawnSync('openssl', ['ts', '-verify', '-data', data, '-in', tok, '-CAfile', tsa.rootPath], { cwd: dir, encoding: 'utf8' });
      expect(out.stdout + out.stderr).toContain('Verification: OK');
    }
    expect(dec.decode(files.get('VERIFY.txt'))).toContain('openssl ts -verify -data captures/<id>/record.json');
    // The same bundle as a (file-backed style) Blob.
    expect((await verifyBundle(new Blob([good as BlobPart]))).ok).toBe(true);
  });

  it('names each file whose byte was flipped', async () => {
    // manifest.json.* tokens are outside the files map; they are covered by their own test below.
    for (const path of [...files.keys()].filter((p) => !/^manifest\.json\..*tsr$/.test(p))) {
      const r = await tampered((f) => {
        const b = f.get(path)!;
        b[Math.floor(b.length / 2)]! ^= 0x01;
      });
      expect(r.ok, path).toBe(false);
      if (path === 'manifest.json' || path === 'manifest.json.sig') {
        expect(failed(r).some((c) => c.id === 'signature' && c.file === 'manifest.json.sig'), path).toBe(true);
      } else if (path.startsWith('manifest.json.')) {
        // Outside the files map (added after signing): checked against the manifest tokens it serves.
        expect(failed(r), path).toContainEqual(expect.objectContaining({ id: 'manifest-side-file', file: path, message: `${path} does not hold exactly the certificates of the manifest time-stamp tokens: it was changed` }));
      } else {
        expect(failed(r), path).toContainEqual(expect.objectContaining({ id: 'file-hash', file: path, message: expect.stringContaining(`${path}: SHA-256 is`) }));
      }
    }
  });

  it('names a manifest time-stamp whose stamped hash was changed (via the plugged-in time-stamp check)', async () => {
    const r = await tampered(async (f) => {
      const tok = f.get('manifest.json.tsr')!;
      const imprint = fromHex(await sha256Hex(f.get('manifest.json')!));
      const at = indexOf(tok, imprint);
      expect(at).toBeGreaterThan(0);
      tok[at + 5]! ^= 0x01;
    });
    expect(failed(r)).toContainEqual(expect.objectContaining({ file: 'manifest.json.tsr', id: expect.stringMatching(/^timestamp-/) }));
  });

  it('names a removed file', async () => {
    const r = await tampered((f) => void f.delete('captures/c2/snapshot.html'));
    expect(failed(r)).toContainEqual(expect.objectContaining({ id: 'file-missing', file: 'captures/c2/snapshot.html' }));
  });

  it('names a removed signature', async () => {
    const r = await tampered((f) => void f.delete('manifest.json.sig'));
    expect(failed(r)).toContainEqual(expect.objectContaining({ id: 'signature', message: expect.stringContaining('not signed') }));
  });

  it('names an added file', async () => {
    const r = await tampered((f) => void f.set('captures/c1/extra.html', enc.encode('<p>planted</p>')));
    expect(failed(r)).toEqual([expect.objectContaining({ id: 'file-extra', file: 'captures/c1/extra.html' })]);
    // Beside the signature, outside the files map, only the format's own names are allowed.
    const r2 = await tampered((f) => void f.set('manifest.json.note', enc.encode('trust me')));
    expect(failed(r2)).toEqual([expect.objectContaining({ id: 'file-extra', file: 'manifest.json.note', message: 'manifest.json.note is not a file the bundle format allows beside manifest.json: it was added' })]);
  });

  it('rejects a swapped public key', async () => {
    const other = await createEphemeralSigner();
    const r = await tampered((f) => void f.set('public-key.pem', enc.encode(toPem(other.spkiDer, 'PUBLIC KEY'))));
    expect(failed(r)).toContainEqual(expect.objectContaining({ id: 'signature', message: expect.stringContaining('does not verify') }));
    expect(failed(r)).toContainEqual(expect.objectContaining({ id: 'signer', message: expect.stringContaining(other.fingerprint) }));
    expect(failed(r)).toContainEqual(expect.objectContaining({ id: 'file-hash', file: 'public-key.pem' }));
  });

  it('rejects a swapped signature', async () => {
    const other = await createEphemeralSigner();
    const r = await tampered(async (f) => void f.set('manifest.json.sig', await other.sign(f.get('manifest.json')!)));
    expect(failed(r)).toEqual([expect.objectContaining({ id: 'signature', file: 'manifest.json.sig', message: expect.stringContaining('does not verify manifest.json') })]);
  });

  it('names an edited ledger event', async () => {
    const r = await tampered((f) => {
      const ev = ledgerEvents(f);
      const i = ev.findIndex((e) => e.body?.type === 'note');
      ev[i]!.body!.payload = { text: 'rewritten' };
      setLedger(f, ev);
    });
    const seq = ledgerEvents(files).find((e) => e.body?.type === 'note')!.seq;
    expect(failed(r)).toContainEqual(expect.objectContaining({ id: 'ledger-chain', event: seq, message: `ledger event ${seq} (line ${seq}): the content of event ${seq} (note) was altered` }));
    expect(failed(r)).toContainEqual(expect.objectContaining({ id: 'file-hash', file: 'ledger.jsonl' }));
  });

  it('names a dropped ledger event', async () => {
    const r = await tampered((f) => setLedger(f, ledgerEvents(f).filter((e) => e.seq !== 3)));
    expect(failed(r)).toContainEqual(expect.objectContaining({ id: 'ledger-chain', event: 4, message: expect.stringContaining('events 3–3 are missing before event 4') }));
  });

  it('names a dropped last ledger event through the signed head', async () => {
    const r = await tampered((f) => setLedger(f, ledgerEvents(f).slice(0, -1)));
    expect(failed(r)).toContainEqual(expect.objectContaining({ id: 'ledger-head', message: expect.stringContaining('events were cut or added at the end') }));
  });

  it('names reordered ledger events', async () => {
    const r = await tampered((f) => {
      const ev = ledgerEvents(f);
      [ev[1], ev[2]] = [ev[2]!, ev[1]!];
      setLedger(f, ev);
    });
    expect(failed(r)).toContainEqual(expect.objectContaining({ id: 'ledger-chain', event: 3, message: expect.stringContaining('events 2–2 are missing before event 3') }));
  });

  it('names a capture whose record was replaced, even with a consistent files map', async () => {
    // The record changes and the files map and SHA256SUMS are not updated: the record check names the capture.
    const r = await tampered((f) => {
      const rec = JSON.parse(dec.decode(f.get('captures/c1/record.json'))) as { url: string };
      rec.url = 'https://forged.example/';
      f.set('captures/c1/record.json', enc.encode(canonicalJson(rec)));
    });
    expect(failed(r)).toContainEqual(expect.objectContaining({ id: 'record', file: 'captures/c1/record.json', message: expect.stringContaining('capture c1: SHA-256 of captures/c1/record.json is') }));
  });

  it('refuses zip-slip, absolute, backslash and duplicate entries before inflating', async () => {
    const cases: [Uint8Array, string][] = [
      [patchName(await plainZip([['xx/evil.txt', 'x'], ['a.txt', 'a']]), 'xx/evil.txt', '../evil.txt'), 'entry "../evil.txt" contains a ".." segment (zip slip)'],
      [patchName(await plainZip([['xetc/passwd', 'x']]), 'xetc/passwd', '/etc/passwd'), 'entry "/etc/passwd" is an absolute path'],
      [patchName(await plainZip([['a/b.txt', 'x']]), 'a/b.txt', 'a\\b.txt'), 'entry "a\\b.txt" contains a backslash'],
      [patchName(await plainZip([['aaaa.txt', 'x'], ['bbbb.txt', 'y']]), 'bbbb.txt', 'aaaa.txt'), 'entry "aaaa.txt" appears twice (duplicate of "aaaa.txt")'],
    ];
    for (const [zip, message] of cases) {
      const r = await verifyBundle(zip);
      expect(r.ok).toBe(false);
      expect(r.checks).toEqual([expect.objectContaining({ id: 'zip-structure', ok: false, message })]);
    }
  });

  it('refuses a zip bomb by its compression ratio', async () => {
    const zip = await plainZip([['manifest.json', '{}'], ['captures/c1/snapshot.html', new Uint8Array(20 * 1024 * 1024)]]);
    const r = await verifyBundle(zip);
    expect(r.checks).toEqual([expect.objectContaining({ id: 'zip-structure', ok: false, file: 'captures/c1/snapshot.html', message: expect.stringMatching(/compression ratio of \d+:1, more than the limit of 100:1/) })]);
  });

  it('stops inflating an entry that lies about its size', async () => {
    const zip = await plainZip([['big.bin', new Uint8Array(64 * 1024)]]);
    // Declare 1000 bytes in the central directory (offset 24 of the entry) and the local header (offset 22).
    const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    for (let i = 0; i + 4 <= zip.length; i++) {
      const sig = v.getUint32(i, true);
      if (sig === 0x02014b50) v.setUint32(i + 24, 1000, true);
    }
    const pool = createDigestPool(2);
    try {
      for (const opts of [{}, { createHash: () => createHash('sha256') }, { createHash: () => createHash('sha256'), digester: pool }]) {
        const r = await verifyBundle(zip, opts);
        expect(failed(r)).toContainEqual(expect.objectContaining({ id: 'zip-entry', file: 'big.bin', message: 'entry "big.bin" inflates to more than its declared 1000 bytes (zip bomb?)' }));
      }
    } finally {
      await pool.close();
    }
  });

  it('gives the same verdicts when worker threads inflate and hash the entries (the CLI on several cores)', async () => {
    const pool = createDigestPool(2);
    try {
      let digested = 0;
      const counted = { ...pool, digest: (items: Parameters<typeof pool.digest>[0]) => ((digested += items.length), pool.digest(items)) };
      const opts = { createHash: () => createHash('sha256'), digester: counted, extraChecks: tsChecks };
      const r = await verifyBundle(good, opts);
      expect(r.ok).toBe(true);
      expect(digested).toBe(files.size); // every entry went through the threads
      expect(r.checks.map((c) => c.message)).toEqual((await verifyBundle(good, { extraChecks: tsChecks })).checks.map((c) => c.message));
      const copy = new Map(files);
      copy.set('captures/c1/snapshot.html', new Uint8Array([1, 2, 3]));
      const r2 = await verifyBundle(await rezip(copy), opts);
      expect(failed(r2)).toEqual([expect.objectContaining({ id: 'file-hash', file: 'captures/c1/snapshot.html' })]);
    } finally {
      await pool.close();
    }
  });

  it('gives the same verdicts when streaming entries through an incremental hash (the CLI path)', async () => {
    const stream = { createHash: () => createHash('sha256') };
    const r = await verifyBundle(good, stream);
    expect(failed(r)).toEqual([]);
    expect(r.checks.map((c) => c.message)).toEqual((await verifyBundle(good)).checks.map((c) => c.message));
    const bad = await tampered((f) => void (f.get('captures/c1/snapshot.html')![5]! ^= 1));
    expect(bad.ok).toBe(false);
    const copy = new Map(files);
    copy.set('captures/c1/snapshot.html', new Uint8Array([1, 2, 3]));
    const r2 = await verifyBundle(await rezip(copy), stream);
    expect(failed(r2)).toEqual([expect.objectContaining({ id: 'file-hash', file: 'captures/c1/snapshot.html' })]);
  });

  it('keeps only the files the checks parse, and the CLI file source gives the same verdicts through small read windows', async () => {
    const dir = tempDir('jz-window-');
    const path = join(dir, 'good.zip');
    writeFileSync(path, good);
    const kept: string[] = [];
    const peek: BundleCheck = { name: 'peek', run: async (ctx) => (kept.push(...ctx.bytes.keys()), []) };
    const base = await verifyBundle(good, { extraChecks: [...tsChecks, peek] });
    // Artifacts are hashed and dropped; manifest, signature, key, sums, ledger, records, tokens stay.
    expect(kept.sort()).toEqual([...files.keys()].filter((n) => !n.includes('/') || /\/record\.json$|\.tsr$|\.pem$/.test(n)).sort());
    expect(kept).toContain('captures/c1/record.json');
    expect(kept).not.toContain('captures/c1/snapshot.html');
    // Windows far smaller than the entries: every read crosses or straddles a window edge somewhere.
    for (const w of [7, 64, 4096]) {
      const fh = await open(path, 'r');
      try {
        const src = fileSource(fh, good.length, w);
        const r = await verifyBundle(src, { extraChecks: tsChecks, createHash: () => createHash('sha256'), inflateRaw: nodeInflateRaw });
        expect(r.checks.map((c) => c.message), `window ${w}`).toEqual(base.checks.map((c) => c.message));
        for (const [o, l] of [[0, 30], [5, 100], [good.length - 22, 22], [100, good.length - 100]] as const) {
          expect(Buffer.from(await src.read(o, l)).equals(Buffer.from(good.subarray(o, o + l))), `read ${o}+${l}`).toBe(true);
        }
      } finally {
        await fh.close();
      }
    }
    expect(base.ok).toBe(true);
  });

  it('caps the number of entries', async () => {
    const zip = await plainZip(Array.from({ length: 12 }, (_, i) => [`f${i}.txt`, 'x'] as [string, string]));
    const r = await verifyBundle(zip, { limits: { maxEntries: 10 } });
    expect(r.checks[0]).toMatchObject({ ok: false, message: 'the zip has 12 entries, more than the limit of 10' });
  });

  it('rejects what is not a zip', async () => {
    const r = await verifyBundle(enc.encode('not a zip at all'));
    expect(r).toMatchObject({ ok: false, checks: [{ id: 'zip-structure', message: 'not a zip file: no end-of-central-directory record' }] });
  });

  it('runs extra checks (e.g. time-stamps) with the bundle context', async () => {
    const r = await verifyBundle(good, {
      extraChecks: [{ name: 'timestamps', run: async (ctx) => ctx.manifest!.timestamps!.map((t) => ({ id: 'timestamp', ok: ctx.bytes.has(t.token), file: t.token, message: t.token })) }],
    });
    expect(r.checks.at(-1)).toEqual({ id: 'timestamp', ok: true, file: 'captures/c1/record.json.tsr', message: 'captures/c1/record.json.tsr' });
    const bad = await verifyBundle(good, { extraChecks: [{ name: 'boom', run: async () => Promise.reject(new Error('no TSA roots')) }] });
    expect(bad.ok).toBe(false);
    expect(failed(bad)).toEqual([{ id: 'boom', ok: false, message: 'check "boom" failed to run: no TSA roots' }]);
  });
});

describe('jianzheng-verify CLI', () => {
  it('exits 0 for a good bundle and 1 naming the bad file otherwise, with --json too', async () => {
    const dir = tempDir('jz-cli-');
    writeFileSync(join(dir, 'good.zip'), good);
    const copy = new Map(files);
    copy.set('captures/c2/text.txt', enc.encode('changed'));
    writeFileSync(join(dir, 'bad.zip'), await rezip(copy));
    let out = '';
    const io = { out: (s: string) => void (out += s), err: (s: string) => void (out += s) };
    // The local TSA's root is not shipped: without --tsa-root its tokens do not verify.
    expect(await runVerifyCli([join(dir, 'good.zip')], io)).toBe(1);
    expect(out).toMatch(/FAIL timestamp-/);
    out = '';
    expect(await runVerifyCli([join(dir, "good.zip"), "--tsa-root", tsa.rootPath], io), out).toBe(0);
    expect(out).toMatch(/VERIFIED: all \d+ checks passed/);
    out = '';
    expect(await runVerifyCli([join(dir, 'bad.zip'), '--tsa-root', tsa.rootPath], io)).toBe(1);
    expect(out).toMatch(/FAIL file-hash +captures\/c2\/text.txt: SHA-256 is/);
    out = '';
    expect(await runVerifyCli([join(dir, 'bad.zip'), '--json'], io)).toBe(1);
    const json = JSON.parse(out) as VerifyReport;
    expect(json.ok).toBe(false);
    expect(json.checks.find((c) => !c.ok)).toMatchObject({ file: 'captures/c2/text.txt' });
    expect(await runVerifyCli([], io)).toBe(2);
    expect(await runVerifyCli([join(dir, 'missing.zip')], io)).toBe(2);

    // The package bin (a JS shim through tsx) gives the same exit codes.
    const bin = (f: string) => spawnSync(process.execPath, ['bin/jianzheng-verify.js', join(dir, f), '--tsa-root', tsa.rootPath], { encoding: 'utf8' });
    const ok = bin('good.zip');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/VERIFIED/);
    const ko = bin('bad.zip');
    expect(ko.status).toBe(1);
    expect(ko.stdout).toContain('captures/c2/text.txt');
  });
});

describe('jianzheng-verify --extract', () => {
  it('unpacks a verified bundle into a new folder only, and never a hostile one', async () => {
    const dir = tempDir('jz-extract-');
    writeFileSync(join(dir, 'good.zip'), good);
    let out = '';
    const io = { out: (s: string) => void (out += s), err: (s: string) => void (out += s) };
    const target = join(dir, 'out');
    expect(await runVerifyCli([join(dir, 'good.zip'), '--tsa-root', tsa.rootPath, '--extract', target], io)).toBe(0);
    expect(out).toContain(`extracted ${files.size} files into ${target}`);
    for (const [p, b] of files) expect(new Uint8Array(readFileSync(join(target, p))), p).toEqual(b);
    // A folder that is not empty is refused (a link planted in it could redirect a write).
    out = '';
    expect(await runVerifyCli([join(dir, 'good.zip'), '--tsa-root', tsa.rootPath, '--extract', target], io)).toBe(2);
    expect(out).toContain('is not empty');

    // A zip-slip bundle is refused before anything is written.
    const slip = patchName(await plainZip([['xx/evil.txt', 'x']]), 'xx/evil.txt', '../evil.txt');
    writeFileSync(join(dir, 'slip.zip'), slip);
    out = '';
    expect(await runVerifyCli([join(dir, 'slip.zip'), '--extract', join(dir, 'slip')], io)).toBe(1);
    expect(out).toContain('not extracted');
    expect(existsSync(join(dir, 'evil.txt'))).toBe(false);
    expect(existsSync(join(dir, 'slip'))).toBe(false);
    // And the extractor refuses such names on its own too.
    await expect(extractBundle(zipSource(slip), join(dir, 'slip2'))).rejects.toThrow('contains a ".." segment (zip slip)');
    expect(existsSync(join(dir, 'evil.txt'))).toBe(false);
  });
});
