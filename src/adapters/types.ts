/**
 * One small interface for every site adapter. Adapters are pure DOM code: they run in the content
 * script on the live page and, in tests, in Node on linkedom documents, so they never use layout
 * (innerText, getBoundingClientRect) and never execute page scripts.
 */
import type { Post, PostPlatform } from '../bundle/format';

export interface AdapterContext {
  /** Capture time: relative times ("3分钟前", "2h") are resolved against it. */
  capturedAt: Date;
  /** The element chosen with the picker: extract the post within it (or its nearest post container). */
  root?: Element;
}

export interface SiteAdapter {
  platform: PostPlatform;
  matches(url: URL): boolean;
  /**
   * Clicks "展开全文" / "Show more" / "阅读全文" etc. in the live page, waits briefly for the text to
   * grow, and returns how many folds it opened. Bounded: at most 3 s in total.
   */
  expand?(doc: Document, root?: Element): Promise<number>;
  extract(doc: Document, url: URL, ctx: AdapterContext): Post | null;
}
