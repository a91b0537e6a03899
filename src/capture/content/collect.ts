/**
 * The top frame's side of a capture: make lazy content load, expand folded posts, read metadata,
 * text and post fields, then serialize the page. Runs in the isolated world of a tab the user chose
 * to capture; holds the serialized HTML until the background has pulled it in chunks.
 */
import { browser } from 'wxt/browser';
import { t as uiText } from '../../ui/i18n';
import { extractMetadata } from '../metadata';
import { extractReadableText } from '../text';
import { runAdapters } from '../../adapters/registry';
import { pickElement } from '../../adapters/picker';
import { loadLazyContent } from './lazy';
import { serializePage } from './serialize';
import { serializeElement } from './element';
import {
  CONTENT_CHUNK_CHARS,
  type ChunkRequest,
  type CollectFailure,
  type CollectRequest,
  type CollectResponse,
  type ContentRequest,
} from './protocol';
import type { FetchResourceResponse } from '../../shared/messages';
import { base64ToBytes } from '../../shared/bytes';
import type { SingleFileResponse } from 'single-file-core/single-file.js';

const held = new Map<string, { page: string; element: string }>();

async function fetchViaBackground(url: string, referrer: string | undefined): Promise<SingleFileResponse> {
  const res = (await browser.runtime.sendMessage({ type: 'fetch-resource', url, referrer })) as FetchResourceResponse | undefined;
  if (!res || !res.ok || res.body === null) throw new Error(res?.error ?? `could not fetch ${url}`);
  const bytes = base64ToBytes(res.body);
  return {
    status: res.status,
    url,
    headers: { get: (name: string) => (name.toLowerCase() === 'content-type' ? res.contentType : null) },
    arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  };
}

async function collect(req: CollectRequest): Promise<CollectResponse | CollectFailure> {
  const timings: Record<string, number> = {};
  const notes: string[] = [];
  const t = (name: string, since: number) => (timings[name] = Math.round(performance.now() - since));
  const url = location.href;
  const capturedAt = new Date(req.capturedAt);
  let element: Element | null = null;
  if (req.element) {
    element = await pickElement(document, { hint: uiText('adaptersPickerHint') });
    if (!element) return { ok: false, error: 'No element was chosen.' };
  }
  let s = performance.now();
  if (req.lazy && !req.element) {
    const lazy = await loadLazyContent(window);
    if (lazy.capped) notes.push(`Lazy-loading pass stopped at ${lazy.scrolledTo} px (time or height limit).`);
  }
  t('lazy', s);

  s = performance.now();
  let post: CollectResponse['post'] = null;
  let adapter: string | null = null;
  try {
    const r = await runAdapters(document, new URL(url), element ? { capturedAt, root: element } : { capturedAt });
    post = r.post;
    adapter = r.adapter;
    notes.push(...r.notes);
  } catch (e) {
    notes.push(`Post fields could not be read: ${(e as Error).message}`);
  }
  t('post', s);

  s = performance.now();
  let metadata: Record<string, unknown> = {};
  try {
    metadata = extractMetadata(document, url) as unknown as Record<string, unknown>;
  } catch (e) {
    notes.push(`Metadata could not be read: ${(e as Error).message}`);
  }
  let text = '';
  let textSource: CollectResponse['textSource'] = 'body';
  try {
    const r = extractReadableText(document, url);
    text = r.text;
    textSource = r.source;
  } catch (e) {
    text = document.body?.innerText ?? '';
    notes.push(`Readable text fell back to the page text: ${(e as Error).message}`);
  }
  if (element) text = (element as HTMLElement).innerText ?? element.textContent ?? '';
  t('metadata', s);

  s = performance.now();
  const page = await serializePage(document, window, fetchViaBackground);
  t('snapshot', s);
  let elementHtml = '';
  let box: CollectResponse['element'] = null;
  if (element) {
    s = performance.now();
    elementHtml = await serializeElement(document, window, element, fetchViaBackground);
    const r = element.getBoundingClientRect();
    box = { x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height };
    t('element', s);
  }
  held.set(req.runId, { page: page.html, element: elementHtml });

  const scroller = document.scrollingElement ?? document.documentElement;
  return {
    ok: true,
    runId: req.runId,
    url,
    htmlLength: page.html.length,
    elementHtmlLength: elementHtml.length,
    text,
    textSource,
    metadata,
    post,
    adapter,
    geometry: {
      scrollWidth: Math.max(scroller.scrollWidth, document.body?.scrollWidth ?? 0),
      scrollHeight: Math.max(scroller.scrollHeight, document.body?.scrollHeight ?? 0),
      innerWidth,
      innerHeight,
      devicePixelRatio,
      scrollX,
      scrollY,
    },
    element: box,
    userAgent: navigator.userAgent,
    contentType: document.contentType,
    notes,
    timings,
  };
}

function chunk(req: ChunkRequest): string | null {
  const h = held.get(req.runId);
  if (!h) return null;
  const src = req.which === 'page' ? h.page : h.element;
  return src.slice(req.offset, req.offset + CONTENT_CHUNK_CHARS);
}

let installed = false;

/** Installs the top frame's message handler once per document, however often the script is injected. */
export function installCollector(): void {
  if (installed) return;
  installed = true;
  browser.runtime.onMessage.addListener((message: unknown, sender) => {
    // Only our own background talks to this script.
    if (sender.id !== browser.runtime.id) return undefined;
    const req = message as ContentRequest;
    if (req?.type === 'jz-collect') return collect(req).catch((e: Error) => ({ ok: false, error: e.message }) as CollectFailure);
    if (req?.type === 'jz-chunk') return Promise.resolve(chunk(req));
    if (req?.type === 'jz-release') {
      held.delete(req.runId);
      return Promise.resolve(true);
    }
    return undefined;
  });
}
