import { getPageData } from 'single-file-core/single-file.js';
import { sanitizeSnapshotHtml } from '../sanitize';
import { SINGLE_FILE_OPTIONS, type ResourceFetcher } from './serialize';

// SingleFile keeps only nodes carrying this attribute when `selected` is set.
const SELECTED = 'data-single-file-selected-content';

/**
 * A self-contained snapshot of one element (a post or a comment thread) with the page's styles:
 * SingleFile's selection mode keeps the element, its ancestors (for inherited layout and styles) and
 * its descendants. The marks are removed from the live page afterwards.
 */
export async function serializeElement(doc: Document, win: Window, element: Element, fetchResource: ResourceFetcher): Promise<string> {
  const marked: Element[] = [];
  const mark = (el: Element) => {
    el.setAttribute(SELECTED, '');
    marked.push(el);
  };
  for (let el: Element | null = element; el && el !== doc.documentElement; el = el.parentElement) mark(el);
  for (const el of Array.from(element.querySelectorAll('*'))) mark(el);
  try {
    const fetch = (url: string, init: { referrer?: string }) => fetchResource(url, init.referrer ?? doc.baseURI);
    const data = await getPageData(
      { ...SINGLE_FILE_OPTIONS, selected: true, url: doc.location.href, saveUrl: doc.location.href },
      { fetch, frameFetch: fetch },
      doc,
      win,
    );
    const parser = new DOMParser();
    return sanitizeSnapshotHtml(data.content, (h) => parser.parseFromString(h, 'text/html')).html;
  } finally {
    for (const el of marked) el.removeAttribute(SELECTED);
  }
}
