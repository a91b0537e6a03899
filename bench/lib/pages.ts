/**
 * The pages both CLIs capture: the e2e fixture pages (two 127.0.0.1 origins, generated images) and,
 * when present, real-world pages from ../shared/corpus/readability served from a third origin. Real
 * pages reference external hosts; HOST_RULES makes every host but 127.0.0.1 fail at DNS, at once.
 */
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { startFixtureServers } from '../../tests/e2e/fixtures';
import { startServer } from '../../tests/e2e/server';

export const CORPUS_DIR = resolve(import.meta.dirname, '../../../shared/corpus/readability');

/** Unknown hosts fail fast (no DNS, no network): same flag for our Chromium and SingleFile's. */
export const HOST_RULES = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1';

// Real news/blog pages of varied size and script (Chinese, English, French, RTL), in this order.
const CORPUS_PICK = ['qq', 'bbc-1', 'guardian-1', 'nytimes-1', 'wikipedia', 'gmw', 'lemonde-1', 'medium-1', 'theverge', 'pixnet', 'rtl-1', 'wapo-1'];

export interface BenchPage {
  name: string;
  url: string;
}

export interface PageSet {
  pages: BenchPage[];
  close(): Promise<void>;
}

export async function startPages(corpusCount: number): Promise<PageSet> {
  const fx = await startFixtureServers();
  const pages: BenchPage[] = [
    { name: 'fixture:article', url: `${fx.a.origin}/article.html` },
    { name: 'fixture:tall', url: `${fx.a.origin}/tall.html` },
  ];
  let corpus: Awaited<ReturnType<typeof startServer>> | null = null;
  if (existsSync(CORPUS_DIR) && corpusCount > 0) {
    corpus = await startServer(CORPUS_DIR);
    const have = new Set(readdirSync(CORPUS_DIR));
    for (const n of CORPUS_PICK.filter((p) => have.has(p)).slice(0, corpusCount)) pages.push({ name: `corpus:${n}`, url: `${corpus.origin}/${n}/source.html` });
  }
  return {
    pages,
    async close() {
      await fx.close();
      await corpus?.close();
    },
  };
}
