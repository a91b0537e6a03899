/**
 * One capture of one tab, run by the background. All artifacts are collected and hashed first; the
 * store is written once, in one transaction, at the end. A failure at any point (tab closed, page
 * not capturable, timeout, quota) therefore leaves no record, and the caller gets plain words.
 */
import { browser } from 'wxt/browser';
import type { CapturePlatform } from '../platform/types';
import type { EvidenceDB } from '../store/db';
import { DEFAULT_CASE_ID } from '../store/db';
import { saveCapture, StoreError } from '../store/captures';
import { ensureDefaultCase, getActiveCaseId } from '../store/cases';
import type { CaptureErrorCode, CaptureOptions, CaptureResult, CaptureStage, CaptureSummary } from '../shared/messages';
import { CONTENT_CHUNK_CHARS, type CollectFailure, type CollectRequest, type CollectResponse } from './content/protocol';
import { explainBrowserError, whyNotCapturable } from './capturable';
import { getMainDocumentResponse } from './netinfo';
import { buildRecord, hashArtifact, newCaptureId, pageInfoFrom, type ArtifactInput, type HashedArtifact } from './record';
import { downloadMedia } from './media';
import { TOOL } from '../shared/tool';
import { cropPng } from './crop';

export const CONTENT_SCRIPT_PATH = '/capture-page.js';
export const DEFAULT_CAPTURE_TIMEOUT_MS = 120_000;
export const FULL_PAGE_MAX_HEIGHT = 16_384;

export class CaptureError extends Error {
  constructor(
    message: string,
    readonly code: CaptureErrorCode,
  ) {
    super(message);
  }
}

export interface CaptureDeps {
  db: () => EvidenceDB;
  platform: CapturePlatform;
  progress?: (runId: string, stage: CaptureStage, detail?: string) => void;
  /** Called after the capture is stored (search indexing, trusted time). Failures here never undo it. */
  afterSave?: (captureId: string) => Promise<void>;
  trustedTimeState?: () => Promise<'pending' | 'disabled'>;
  timeoutMs?: number;
}

const runKey = (tabId: number) => `run:${tabId}`;

/** True while `tabId` is being captured: resource fetches are only served for such tabs. */
export async function isCapturing(tabId: number): Promise<boolean> {
  const got = await browser.storage.session.get(runKey(tabId));
  return !!got[runKey(tabId)];
}

function withTimeout<T>(p: Promise<T>, ms: number, signal: AbortSignal, where: { step: string }): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new CaptureError(`The capture took longer than ${Math.round(ms / 1000)} s (stopped during ${where.step}); nothing was saved.`, 'timeout')),
      ms,
    );
    signal.addEventListener('abort', () => reject(signal.reason));
    p.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

export async function captureTab(tabId: number, options: CaptureOptions, deps: CaptureDeps): Promise<CaptureResult> {
  const abort = new AbortController();
  const onRemoved = (id: number) => {
    if (id === tabId) abort.abort(new CaptureError('The tab was closed during the capture; nothing was saved.', 'tab-closed'));
  };
  browser.tabs.onRemoved.addListener(onRemoved);
  const runId = newCaptureId();
  try {
    await browser.storage.session.set({ [runKey(tabId)]: runId });
    const where = { step: 'start' };
    const capture = await withTimeout(runCapture(tabId, runId, options, deps, abort.signal, where), options.timeoutMs || deps.timeoutMs || DEFAULT_CAPTURE_TIMEOUT_MS, abort.signal, where);
    deps.progress?.(runId, 'done');
    return { ok: true, capture };
  } catch (e) {
    const err = toCaptureError(e);
    deps.progress?.(runId, 'failed', err.message);
    return { ok: false, error: err.message, code: err.code };
  } finally {
    browser.tabs.onRemoved.removeListener(onRemoved);
    await browser.storage.session.remove(runKey(tabId)).catch(() => undefined);
    void browser.tabs.sendMessage(tabId, { type: 'jz-release', runId }, { frameId: 0 }).catch(() => undefined);
  }
}

function toCaptureError(e: unknown): CaptureError {
  if (e instanceof CaptureError) return e;
  if (e instanceof StoreError) return new CaptureError(e.message, e.code === 'quota' ? 'quota' : 'internal');
  const { code, text } = explainBrowserError((e as Error)?.message ?? String(e));
  return new CaptureError(text, code);
}

async function runCapture(tabId: number, runId: string, options: CaptureOptions, deps: CaptureDeps, signal: AbortSignal, where: { step: string }): Promise<CaptureSummary> {
  const timings: Record<string, number> = {};
  const notes: string[] = [];
  const progress = (stage: CaptureStage, detail?: string) => deps.progress?.(runId, stage, detail);
  const step = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    if (signal.aborted) throw signal.reason;
    const s = performance.now();
    where.step = name;
    try {
      return await f();
    } catch (e) {
      // Say where it broke: "internal" errors are otherwise hard to act on.
      if (e instanceof CaptureError || e instanceof StoreError || /\(during /.test(String((e as Error)?.message))) throw e;
      throw new Error(`${(e as Error)?.message ?? String(e)} (during ${name})`, { cause: e });
    } finally {
      timings[name] = Math.round(performance.now() - s);
    }
  };
  const started = performance.now();
  progress('starting');
  const tab = await browser.tabs.get(tabId);
  const net = await getMainDocumentResponse(tabId);
  const headerType = net?.url === tab.url ? net?.responseHeaders.find((h) => h.name.toLowerCase() === 'content-type')?.value : null;
  const why = whyNotCapturable(tab.url, headerType);
  if (why) throw new CaptureError(why, 'not-capturable');
  const capturedAt = new Date().toISOString();
  const id = runId;
  const elementMode = options.mode === 'element';

  if (!tab.active) await browser.tabs.update(tabId, { active: true });

  progress('snapshot');
  const skippedFrames = await step('inject', () => injectCaptureScript(tabId));
  if (skippedFrames) notes.push(`${skippedFrames} frame(s) did not accept the capture script in time and are kept as the page showed them without their inner content.`);
  // The visible screenshot first: it shows the page as the user saw it, before any scrolling.
  const visible = elementMode ? null : await step('screenshotVisible', () => deps.platform.captureVisible(tabId, tab.windowId));
  const req: CollectRequest = { type: 'jz-collect', runId, capturedAt, lazy: true, expand: true, element: elementMode };
  const collected = await step('collect', async () => (await browser.tabs.sendMessage(tabId, req, { frameId: 0 })) as CollectResponse | CollectFailure | undefined);
  if (!collected) throw new CaptureError('The page did not answer the capture script.', 'internal');
  if (!collected.ok) throw new CaptureError(collected.error, 'internal');
  Object.assign(timings, Object.fromEntries(Object.entries(collected.timings).map(([k, v]) => [`page.${k}`, v])));
  notes.push(...collected.notes);

  progress('screenshots');
  const full = await step('screenshotFull', () => deps.platform.captureFullPage(tabId, { maxHeight: FULL_PAGE_MAX_HEIGHT, geometry: collected.geometry }));
  if (full.capped) notes.push(`Full-page screenshot capped at ${full.height} px of ${full.pageHeight} px.`);
  if (full.stable === false) notes.push(`The page kept changing while the full-page screenshot was taken (${full.shots} pictures, none the same as the one before); the last one is kept.`);

  progress('mhtml');
  let mhtml: Blob | null = null;
  try {
    const saved = await step('mhtml', () => deps.platform.saveMhtml(tabId));
    mhtml = saved?.data ?? null;
    if (saved?.via === 'devtools') notes.push('MHTML made through the DevTools protocol (pageCapture’s file was gone before it could be read).');
  } catch (e) {
    notes.push(`MHTML not saved: ${(e as Error).message}`);
  }

  const html = await step('transfer', () => pullChunks(tabId, runId, 'page', collected.htmlLength));
  const elementHtml = elementMode ? await pullChunks(tabId, runId, 'element', collected.elementHtmlLength) : null;
  void browser.tabs.sendMessage(tabId, { type: 'jz-release', runId }, { frameId: 0 }).catch(() => undefined);

  const media = await step('media', () => downloadMedia(collected.post, collected.url));

  progress('hashing');
  const inputs: ArtifactInput[] = [{ kind: 'html-snapshot', mediaType: 'text/html;charset=utf-8', data: new Blob([html], { type: 'text/html' }) }];
  if (full) inputs.push({ kind: 'screenshot-full', mediaType: 'image/png', data: full.png });
  if (visible) inputs.push({ kind: 'screenshot-visible', mediaType: 'image/png', data: visible });
  if (elementHtml !== null) inputs.push({ kind: 'element-snapshot', mediaType: 'text/html;charset=utf-8', data: new Blob([elementHtml], { type: 'text/html' }) });
  if (elementMode && collected.element) {
    try {
      inputs.push({ kind: 'element-screenshot', mediaType: 'image/png', data: await cropPng(full.png, collected.element, full.width) });
    } catch (e) {
      notes.push(`Element screenshot not made: ${(e as Error).message}`);
    }
  }
  if (mhtml) inputs.push({ kind: 'mhtml', mediaType: 'multipart/related', data: mhtml });
  else if (deps.platform.name === 'firefox') notes.push('MHTML is not offered by this browser.');
  inputs.push({ kind: 'text', mediaType: 'text/plain;charset=utf-8', data: new Blob([collected.text], { type: 'text/plain' }) });

  const browserInfo = browserDescription(collected.userAgent);
  // Read again when the first read missed: a capture requested right after a navigation can overtake
  // the webRequest listener's write to storage.session (seen in Firefox); seconds later it has landed.
  const fresh = net && sameDocument(net.url, collected.url) ? net : await getMainDocumentResponse(tabId);
  const doc = fresh && sameDocument(fresh.url, collected.url) ? fresh : null;
  const metadata = {
    requestedUrl: options.requestedUrl ?? tab.url ?? collected.url,
    finalUrl: collected.url,
    ...collected.metadata,
    capturedAt,
    tool: TOOL,
    browser: browserInfo,
    viewport: { width: collected.geometry.innerWidth, height: collected.geometry.innerHeight, devicePixelRatio: collected.geometry.devicePixelRatio },
    page: { scrollWidth: collected.geometry.scrollWidth, scrollHeight: collected.geometry.scrollHeight, contentType: collected.contentType },
    http: doc ? { status: doc.statusCode, statusLine: doc.statusLine, ip: doc.ip, fromCache: doc.fromCache, headers: doc.responseHeaders, redirects: doc.redirects, time: doc.time } : null,
    screenshot: { width: full.width, height: full.height, pageHeight: full.pageHeight, capped: full.capped, maxHeight: FULL_PAGE_MAX_HEIGHT, ...(full.stable === undefined ? {} : { stable: full.stable, shots: full.shots }) },
    textSource: collected.textSource,
    adapter: collected.adapter,
    element: collected.element,
    notes,
  };
  if (!metadata.http) notes.push('The browser did not expose the HTTP response of this page (e.g. it was loaded before the extension started).');
  inputs.push({ kind: 'metadata', mediaType: 'application/json', data: new Blob([JSON.stringify(metadata, null, 2)], { type: 'application/json' }) });

  const hashed: HashedArtifact[] = await step('hashing', async () => {
    const out: HashedArtifact[] = [];
    for (const a of inputs) out.push(await hashArtifact(id, a));
    for (const m of media) {
      const h = await hashArtifact(id, m.artifact);
      m.item.path = h.entry.path;
      m.item.sha256 = h.entry.sha256;
      out.push(h);
    }
    return out;
  });

  const { record, json, hash } = await buildRecord({
    id,
    url: metadata.requestedUrl,
    finalUrl: collected.url,
    capturedAt,
    page: pageInfoFrom(collected.metadata),
    post: collected.post,
    artifacts: hashed.map((h) => h.entry),
    notes,
  });

  progress('saving');
  const db = deps.db();
  // Captures without an explicit case (shortcut, context menu, watch) go to the active case.
  const caseId = options.caseId ?? (await getActiveCaseId(db));
  if (caseId === DEFAULT_CASE_ID) await ensureDefaultCase(db);
  const trustedTime = deps.trustedTimeState ? await deps.trustedTimeState() : 'none';
  if (signal.aborted) throw signal.reason;
  await step('saving', () => saveCapture(db, { record, recordJson: json, hash, caseId, artifacts: hashed, trustedTime }));
  timings.total = Math.round(performance.now() - started);

  if (deps.afterSave) {
    progress('timestamp');
    await deps.afterSave(id).catch((e: Error) => console.warn('after-save step failed', e));
  }
  return {
    id,
    hash,
    url: record.url,
    finalUrl: record.finalUrl,
    title: record.page.title,
    capturedAt,
    size: record.artifacts.reduce((n, a) => n + a.size, 0),
    artifacts: record.artifacts.map((a) => ({ kind: a.kind, size: a.size, sha256: a.sha256 })),
    notes,
    timings,
  };
}

/**
 * Injects the capture script into the top frame, then into every other frame separately. One
 * allFrames call waits for every frame, and a frame that never finishes loading (a dead ad host,
 * say) held whole captures hostage; each subframe now gets a few seconds, and those that do not
 * answer are skipped (SingleFile then leaves them out after its own frame timeout).
 */
export const FRAME_INJECT_TIMEOUT_MS = 3_000;

async function injectCaptureScript(tabId: number): Promise<number> {
  await browser.scripting.executeScript({ target: { tabId, frameIds: [0] }, files: [CONTENT_SCRIPT_PATH] });
  const frames = ((await browser.webNavigation.getAllFrames({ tabId }).catch(() => null)) ?? []).filter((f) => f.frameId !== 0);
  const results = await Promise.all(
    frames.map((f) =>
      Promise.race([
        browser.scripting.executeScript({ target: { tabId, frameIds: [f.frameId] }, files: [CONTENT_SCRIPT_PATH] }).then(
          () => true,
          // Frames we may not script (about:blank without origin, error pages) are not failures.
          () => !/^https?:|^file:/.test(f.url),
        ),
        new Promise<boolean>((r) => setTimeout(() => r(false), FRAME_INJECT_TIMEOUT_MS)),
      ]),
    ),
  );
  return results.filter((ok) => !ok).length;
}

function sameDocument(a: string, b: string): boolean {
  return a.split('#')[0] === b.split('#')[0];
}

async function pullChunks(tabId: number, runId: string, which: 'page' | 'element', length: number): Promise<string> {
  const parts: string[] = [];
  for (let offset = 0; offset < length; offset += CONTENT_CHUNK_CHARS) {
    const part = (await browser.tabs.sendMessage(tabId, { type: 'jz-chunk', runId, which, offset }, { frameId: 0 })) as string | null;
    if (part === null || part === undefined) throw new CaptureError('The page lost the snapshot before it was saved (it navigated or reloaded).', 'tab-closed');
    parts.push(part);
  }
  return parts.join('');
}

function browserDescription(userAgent: string): { name: string; version: string | null; userAgent: string } {
  const m = /(Firefox|Chrome|Chromium)\/([\d.]+)/.exec(userAgent);
  return { name: m?.[1] ?? 'unknown', version: m?.[2] ?? null, userAgent };
}
