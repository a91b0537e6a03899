import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startServer, type TestServer } from './server';
import { solidPng } from './png';
import type { CaptureRow } from '../../src/store/schema';
import type { LedgerEvent } from '../../src/ledger/types';

export const PAGES_DIR = resolve(import.meta.dirname, '../fixtures/pages');

const COLOURS: Record<string, [number, number, number]> = { red: [179, 38, 30], blue: [30, 80, 179], green: [30, 150, 60] };

/**
 * Two origins on 127.0.0.1: A serves the fixture pages (with {{ORIGIN}} / {{ORIGIN_B}} filled in),
 * B serves the cross-origin frame. /img/<name>-<colour>.png are generated solid images.
 */
export async function startFixtureServers(): Promise<{ a: TestServer; b: TestServer; close(): Promise<void> }> {
  const origins = { a: '', b: '' };
  const imageRoute = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const m = /^\/img\/([a-z]+)-([a-z]+)\.png$/.exec(req.url ?? '');
    if (!m || !COLOURS[m[2]!]) return false;
    res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' });
    res.end(solidPng(20, 10, COLOURS[m[2]!]!));
    return true;
  };
  const htmlRoute = async (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (!path.endsWith('.html') || path.includes('..')) return false;
    try {
      const text = (await readFile(join(PAGES_DIR, path), 'utf8')).replaceAll('{{ORIGIN_B}}', origins.b).replaceAll('{{ORIGIN}}', origins.a);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-fixture': 'jianzheng' });
      res.end(text);
      return true;
    } catch {
      return false;
    }
  };
  // A resource that never answers: a frame pointing at it never finishes loading.
  const neverRoute = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    if (req.url !== '/never') return false;
    res.writeHead(200, { 'content-type': 'text/html' });
    res.write('<!doctype html><p>');
    return true;
  };
  const a = await startServer(PAGES_DIR, [imageRoute, htmlRoute, neverRoute]);
  const b = await startServer(PAGES_DIR, [imageRoute, htmlRoute]);
  origins.a = a.origin;
  origins.b = b.origin;
  return { a, b, close: async () => { await a.close(); await b.close(); } };
}

/** Sends a request to the background from an extension page, as the popup and the CLI do. */
export function toBackground<T>(page: Page, message: unknown): Promise<T> {
  return page.evaluate((m) => chrome.runtime.sendMessage(m), message) as Promise<T>;
}

/** Reads a whole object store of the evidence database from an extension page (raw IndexedDB). */
export function readStore<T>(page: Page, store: string): Promise<T[]> {
  return page.evaluate(
    (name) =>
      new Promise<unknown[]>((resolve, reject) => {
        const open = indexedDB.open('jianzheng');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains(name)) return resolve([]);
          const req = db.transaction(name).objectStore(name).getAll();
          req.onsuccess = () => {
            // Blobs cannot cross into the test process; callers use readBlob.
            resolve((req.result as Record<string, unknown>[]).map((r) => ({ ...r, data: undefined })));
            db.close();
          };
          req.onerror = () => reject(req.error);
        };
      }),
    store,
  ) as Promise<T[]>;
}

export const readCaptures = (page: Page) => readStore<CaptureRow>(page, 'captures');
export const readLedger = (page: Page) => readStore<LedgerEvent>(page, 'ledger');

/**
 * An artifact's bytes as the store keeps them, read here without the extension's code: its blobs
 * row, the body inline or in the capture's OPFS file (artifacts/<capture id>: whole zip entries,
 * the row's offset giving its local header, 30 bytes + the name), inflated when the row says it was
 * deflated (src/store/artifacts.ts).
 */
export async function readBlob(page: Page, path: string): Promise<Buffer> {
  const b64 = await page.evaluate(
    (p) =>
      new Promise<string>((resolve, reject) => {
        const open = indexedDB.open('jianzheng');
        open.onsuccess = () => {
          const req = open.result.transaction('blobs').objectStore('blobs').get(p);
          req.onsuccess = async () => {
            try {
              const row = req.result as { path: string; captureId: string; data?: Blob; file?: 1; offset?: number; zip?: { method: number; csize: number } } | undefined;
              if (!row) return reject(new Error(`no blob ${p}`));
              let body: Blob;
              if (row.file) {
                const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('artifacts');
                const file = await (await dir.getFileHandle(row.captureId)).getFile();
                const header = new DataView(await file.slice(row.offset!, row.offset! + 30).arrayBuffer());
                if (header.getUint32(0, true) !== 0x04034b50) throw new Error(`no zip entry at ${row.offset} for ${row.path}`);
                const start = row.offset! + 30 + header.getUint16(26, true);
                body = file.slice(start, start + row.zip!.csize);
              } else body = row.data!;
              if (row.zip?.method === 8) body = await new Response(body.stream().pipeThrough(new DecompressionStream('deflate-raw'))).blob();
              const bytes = new Uint8Array(await body.arrayBuffer());
              let bin = '';
              for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
              resolve(btoa(bin));
            } catch (e) {
              reject(e);
            }
          };
          req.onerror = () => reject(req.error);
        };
        open.onerror = () => reject(open.error);
      }),
    path,
  );
  return Buffer.from(b64, 'base64');
}

/** Bytes [at, at+size) of a pack, as the extension's OPFS holds them now. */
export async function packBytes(page: Page, pack: string, at: number, size: number): Promise<Buffer> {
  const b64 = (await page.evaluate(`(async () => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('packs');
    const buf = new Uint8Array(await (await (await dir.getFileHandle(${JSON.stringify(pack)})).getFile()).slice(${at}, ${at + size}).arrayBuffer());
    let s = '';
    for (let i = 0; i < buf.length; i += 8192) s += String.fromCharCode(...buf.subarray(i, i + 8192));
    return btoa(s);
  })()`)) as string;
  return Buffer.from(b64, 'base64');
}
