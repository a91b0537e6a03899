import { getPageData, type SingleFileResponse } from 'single-file-core/single-file.js';
import { sanitizeSnapshotHtml, type SanitizeStats } from '../sanitize';

/**
 * SingleFile options for evidence: keep everything a reader could see or that the page holds
 * (hidden elements too: they can matter), inline every resource, never keep scripts, and keep the
 * document readable (no HTML compression).
 */
export const SINGLE_FILE_OPTIONS = {
  removeHiddenElements: false,
  removeUnusedStyles: true,
  removeUnusedFonts: true,
  removeFrames: false,
  removeImports: true,
  compressHTML: false,
  removeAlternativeFonts: true,
  removeAlternativeMedias: true,
  removeAlternativeImages: true,
  groupDuplicateImages: true,
  maxSizeDuplicateImages: 512 * 1024,
  blockScripts: true,
  blockAudios: false,
  blockVideos: false,
  saveRawPage: false,
  // Our own scroll pass (lazy.ts) loads deferred images; SingleFile's loader needs a page-world hook
  // script on every page, which would leave a trace on pages nobody asked to capture.
  loadDeferredImages: false,
  insertMetaCSP: true,
  insertSingleFileComment: true,
  resolveLinks: true,
  removeNoScriptTags: true,
  saveFavicon: true,
  maxResourceSizeEnabled: true,
  maxResourceSize: 25,
  networkTimeout: 30_000,
  passReferrerOnError: true,
  acceptHeaders: {
    font: 'application/font-woff2;q=1.0,application/font-woff;q=0.9,*/*;q=0.8',
    image: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
    stylesheet: 'text/css,*/*;q=0.1',
    script: '*/*',
    document: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    video: '*/*',
    audio: '*/*',
  },
};

export type ResourceFetcher = (url: string, referrer: string | undefined) => Promise<SingleFileResponse>;

export interface SerializeResult {
  html: string;
  sanitized: SanitizeStats;
  ms: number;
}

export async function serializePage(doc: Document, win: Window, fetchViaBackground: ResourceFetcher): Promise<SerializeResult> {
  const start = performance.now();
  const fetchResource = async (url: string, init: { referrer?: string; headers?: Record<string, string> }): Promise<SingleFileResponse> => {
    // data: and same-origin resources come straight from the page's cache; others go through the
    // background, whose host permission is not bound by the page's CORS rules.
    if (url.startsWith('data:') || sameOrigin(url, doc.baseURI)) {
      try {
        return await win.fetch(url, { cache: 'force-cache', headers: init.headers ?? {}, credentials: 'include' });
      } catch {
        /* fall through to the background */
      }
    }
    return fetchViaBackground(url, init.referrer ?? doc.baseURI);
  };
  const data = await getPageData(
    { ...SINGLE_FILE_OPTIONS, url: doc.location.href, saveUrl: doc.location.href },
    { fetch: fetchResource, frameFetch: fetchResource },
    doc,
    win,
  );
  const parser = new DOMParser();
  const { html, stats } = sanitizeSnapshotHtml(data.content, (h) => parser.parseFromString(h, 'text/html'));
  return { html, sanitized: stats, ms: Math.round(performance.now() - start) };
}

function sameOrigin(url: string, base: string): boolean {
  try {
    return new URL(url, base).origin === new URL(base).origin;
  } catch {
    return false;
  }
}
