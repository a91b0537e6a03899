/**
 * Which adapter reads which site, and the one safe way to run them: an adapter that throws or
 * finds nothing never costs the page capture; the generic fields are used instead and the notes
 * say so (the notes go into the capture record).
 */
import type { Post } from '../bundle/format';
import type { AdapterContext, SiteAdapter } from './types';
import { extractGeneric } from './generic';
import { weiboAdapter } from './weibo';
import { wechatAdapter } from './wechat';
import { xAdapter } from './x';
import { zhihuAdapter } from './zhihu';
import { douyinAdapter } from './douyin';
import { toutiaoAdapter } from './toutiao';

export const ADAPTERS: readonly SiteAdapter[] = [weiboAdapter, wechatAdapter, xAdapter, zhihuAdapter, douyinAdapter, toutiaoAdapter];

export function findAdapter(url: URL, adapters: readonly SiteAdapter[] = ADAPTERS): SiteAdapter | null {
  return adapters.find((a) => a.matches(url)) ?? null;
}

export interface AdapterRun {
  post: Post | null;
  /** Which adapter's fields are in `post`: a platform name, or "generic". */
  adapter: string;
  notes: string[];
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function runAdapters(
  doc: Document,
  url: URL,
  ctx: AdapterContext,
  adapters: readonly SiteAdapter[] = ADAPTERS,
): Promise<AdapterRun> {
  const notes: string[] = [];
  const adapter = findAdapter(url, adapters);
  if (adapter) {
    const name = adapter.platform;
    if (adapter.expand) {
      try {
        const n = await adapter.expand(doc, ctx.root);
        if (n > 0) notes.push(`${name} adapter expanded ${n} folded text${n === 1 ? '' : 's'}`);
      } catch (e) {
        notes.push(`${name} adapter could not expand folded text: ${message(e)}`);
      }
    }
    let post: Post | null = null;
    let failure: string;
    try {
      post = adapter.extract(doc, url, ctx);
      failure = 'found no post';
    } catch (e) {
      failure = `failed: ${message(e)}`;
    }
    if (post) return { post, adapter: name, notes };
    let generic: Post | null = null;
    try {
      generic = extractGeneric(doc, url, ctx, adapter.platform);
    } catch (e) {
      notes.push(`generic adapter failed: ${message(e)}`);
    }
    notes.push(generic ? `${name} adapter ${failure}; generic fields used` : `${name} adapter ${failure}; no generic fields either`);
    return { post: generic, adapter: 'generic', notes };
  }
  try {
    return { post: extractGeneric(doc, url, ctx), adapter: 'generic', notes };
  } catch (e) {
    notes.push(`generic adapter failed: ${message(e)}`);
    return { post: null, adapter: 'generic', notes };
  }
}
