/** Synthetic captures with real record.json bytes and blobs, and helpers to take bundles apart. */
import JSZip from 'jszip';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { onTestFinished } from 'vitest';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { canonicalJson, sha256Hex } from '../../src/crypto/hash';
import { createEphemeralSigner, type Signer } from '../../src/crypto/keys';
import type { BundleInput } from '../../src/bundle/export';
import { RECORD_FORMAT, RECORD_FORMAT_VERSION, artifactPath, type ArtifactEntry, type CaptureRecord } from '../../src/bundle/format';
import { makeEvent } from '../../src/ledger/ledger';
import type { LedgerEvent, LedgerEventBody } from '../../src/ledger/types';
import type { CaptureRow } from '../../src/store/schema';
import { readCentralDirectory, readEntry, safeJoin, zipSource } from '../../src/bundle/zip-reader';

export interface SyntheticCapture {
  row: CaptureRow;
  blobs: Map<string, Blob>;
}

function pngLike(seed: number, size = 4096): Uint8Array {
  const b = new Uint8Array(size);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  for (let i = 8; i < size; i++) b[i] = (i * 131 + seed * 977) & 0xff;
  return b;
}

export async function makeCapture(id: string, opts: { title?: string; caseId?: string; url?: string } = {}): Promise<SyntheticCapture> {
  const url = opts.url ?? `https://www.example.cn/news/${id}?from=search`;
  const html = `<!doctype html><html><head><title>${opts.title ?? '河南村镇银行储户健康码变红'}</title></head><body><p>郑州 ${id}</p></body></html>`;
  const text = `郑州 ${id}\n`;
  const contents: [Exclude<ArtifactEntry['kind'], 'media'>, string, Uint8Array][] = [
    ['html-snapshot', 'text/html', new TextEncoder().encode(html)],
    ['screenshot-visible', 'image/png', pngLike(id.length + id.charCodeAt(0))],
    ['text', 'text/plain; charset=utf-8', new TextEncoder().encode(text)],
  ];
  const blobs = new Map<string, Blob>();
  const artifacts: ArtifactEntry[] = [];
  for (const [kind, mediaType, bytes] of contents) {
    const path = artifactPath(id, kind);
    blobs.set(path, new Blob([bytes as BlobPart], { type: mediaType }));
    artifacts.push({ path, kind, mediaType, size: bytes.length, sha256: await sha256Hex(bytes) });
  }
  const capturedAt = '2022-06-14T02:03:04.005Z';
  const record: CaptureRecord = {
    format: RECORD_FORMAT,
    formatVersion: RECORD_FORMAT_VERSION,
    id,
    url,
    finalUrl: url.replace('?from=search', ''),
    capturedAt,
    tool: { name: 'Jianzheng', version: '0.1.0' },
    page: { title: opts.title ?? '河南村镇银行储户健康码变红', canonicalUrl: null, author: null, publishedAt: null, siteName: 'Example', lang: 'zh-CN', description: null },
    post: null,
    artifacts,
  };
  const recordJson = canonicalJson(record);
  const row: CaptureRow = {
    id,
    caseId: opts.caseId ?? 'default',
    hash: await sha256Hex(recordJson),
    recordJson,
    url,
    finalUrl: record.finalUrl,
    capturedAt,
    title: record.page.title,
    site: 'www.example.cn',
    platform: null,
    postStatus: null,
    tags: [],
    notes: [],
    trustedTime: 'none',
    artifacts,
    size: artifacts.reduce((n, a) => n + a.size, 0),
    deleted: 0,
  };
  return { row, blobs };
}

/** A ledger over captures: key-created, captured per capture, and a note and tag in between. */
export async function makeLedger(caps: SyntheticCapture[]): Promise<LedgerEvent[]> {
  const out: LedgerEvent[] = [];
  const add = async (b: Omit<LedgerEventBody, 'time'>): Promise<void> => {
    out.push(await makeEvent(out.at(-1) ?? null, { time: new Date(Date.UTC(2022, 5, 14, 2, 3, out.length)).toISOString(), ...b }));
  };
  await add({ type: 'key-created', captureId: null, payload: { fingerprint: 'f'.repeat(64) } });
  for (const c of caps) {
    await add({ type: 'captured', captureId: c.row.id, payload: { hash: c.row.hash, url: c.row.url } });
    await add({ type: 'note', captureId: c.row.id, payload: { text: `note on ${c.row.id}` } });
  }
  await add({ type: 'case-created', captureId: null, payload: { name: 'secret case name' } });
  return out;
}

export async function makeInput(caps: SyntheticCapture[], ledger: LedgerEvent[], signer?: Signer): Promise<BundleInput> {
  return {
    captures: caps.map((c) => ({ row: c.row, getArtifact: async (p: string) => c.blobs.get(p)! })),
    ledger,
    timestamps: [],
    signer: signer ?? (await createEphemeralSigner('Test Archive 测试档案馆')),
    tool: { name: 'Jianzheng', version: '0.1.0' },
    createdAt: '2022-06-15T00:00:00.000Z',
  };
}

export async function blobBytes(b: Blob): Promise<Uint8Array> {
  return new Uint8Array(await b.arrayBuffer());
}

/** All files of a (trusted, test-made) zip, in order. */
export async function unzipAll(zip: Uint8Array): Promise<Map<string, Uint8Array>> {
  const src = zipSource(zip);
  const out = new Map<string, Uint8Array>();
  for (const e of await readCentralDirectory(src)) if (!e.isDirectory) out.set(e.name, (await readEntry(src, e)).slice());
  return out;
}

/** A new zip from files (JSZip, deflated), for tampering. */
export async function rezip(files: Map<string, Uint8Array>): Promise<Uint8Array> {
  const z = new JSZip();
  for (const [p, b] of files) z.file(p, b, { createFolders: false, binary: true });
  return z.generateAsync({ type: 'uint8array', compression: 'DEFLATE' });
}

/** A new folder under the system's temp dir, removed when the test that made it ends. */
export function tempDir(prefix = 'jz-bundle-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes the files under `dir` (names checked with safeJoin). */
export function writeTree(dir: string, files: Map<string, Uint8Array>): void {
  for (const [p, b] of files) {
    const full = safeJoin(dir, p);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, b);
  }
}

/**
 * Decrypts a passphrase-encrypted age file with the stock `age -d`. age reads passphrases only from
 * a terminal, so `script` gives it a pseudo-terminal whose input is the passphrase.
 */
export function stockAgeDecrypt(file: string, out: string, passphrase: string): void {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  execFileSync('script', ['-qec', `age -d -o ${quote(out)} ${quote(file)}`, '/dev/null'], {
    input: `${passphrase}\n`,
    stdio: ['pipe', 'ignore', 'inherit'],
    timeout: 60_000,
  });
}
