import type { Post, PostMedia } from '../bundle/format';
import type { ArtifactInput } from './record';
import { MAX_RESOURCE_BYTES } from './fetch-resource';

const EXT: Record<string, string> = {
  'image/jpeg': 'jpg', 'image/png': 'png', 'image/gif': 'gif', 'image/webp': 'webp', 'image/avif': 'avif',
  'video/mp4': 'mp4', 'video/webm': 'webm', 'audio/mpeg': 'mp3', 'audio/mp4': 'm4a',
};

function fileName(index: number, url: string, type: string | null): string {
  let base = 'media';
  try {
    base = decodeURIComponent(new URL(url).pathname.split('/').pop() || 'media');
  } catch { /* keep default */ }
  base = base.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60) || 'media';
  const ext = type ? EXT[type.split(';')[0]!.trim()] : undefined;
  if (ext && !base.toLowerCase().endsWith(`.${ext}`)) base += `.${ext}`;
  return `media/${String(index + 1).padStart(3, '0')}-${base}`;
}

/** Every media item of a post and of the posts it quotes, in order. */
export function allMedia(post: Post | null): PostMedia[] {
  const out: PostMedia[] = [];
  for (let p: Post | null = post; p; p = p.quoted) out.push(...p.media);
  return out;
}

/**
 * Sends the page's URL as Referer on the extension's own requests while `run` lasts. Image hosts
 * such as Weibo's refuse requests without their site as referrer, and fetch() in a service worker
 * cannot set a cross-origin Referer itself; a session rule limited to requests this extension makes
 * (initiator = our origin, no tab) to the media hosts does it. Where the API is missing (tests), the
 * media are fetched without it.
 */
export async function withReferer<T>(referer: string, hosts: string[], run: () => Promise<T>): Promise<T> {
  const dnr = (globalThis as { chrome?: { declarativeNetRequest?: DnrApi }; browser?: { declarativeNetRequest?: DnrApi } }).chrome?.declarativeNetRequest;
  const extensionHost = (globalThis as { location?: Location }).location?.host;
  if (!dnr || !hosts.length || !extensionHost) return run();
  const id = 1 + Math.floor(Math.random() * 1_000_000);
  try {
    await dnr.updateSessionRules({
      addRules: [
        {
          id,
          priority: 1,
          action: { type: 'modifyHeaders', requestHeaders: [{ header: 'referer', operation: 'set', value: referer }] },
          condition: { requestDomains: hosts, initiatorDomains: [extensionHost], tabIds: [-1], resourceTypes: ['xmlhttprequest', 'other', 'image', 'media'] },
        },
      ],
    });
  } catch {
    return run();
  }
  try {
    return await run();
  } finally {
    await dnr.updateSessionRules({ removeRuleIds: [id] }).catch(() => undefined);
  }
}

interface DnrApi {
  updateSessionRules(options: { addRules?: unknown[]; removeRuleIds?: number[] }): Promise<void>;
}

/**
 * Downloads a post's media at the original resolution chosen by the adapter, with the page as
 * referrer. Fills each item's path and sha256 (later, from the hashed artifact) or says why it is
 * missing; never fails the capture.
 */
export async function downloadMedia(post: Post | null, pageUrl: string, timeoutMs = 30_000): Promise<{ item: PostMedia; artifact: ArtifactInput }[]> {
  const items = allMedia(post);
  const hosts = [...new Set(items.flatMap((m) => { try { return [new URL(m.url).hostname]; } catch { return []; } }))];
  return withReferer(pageUrl, hosts, () => fetchAll(items, timeoutMs));
}

async function fetchAll(items: PostMedia[], timeoutMs: number): Promise<{ item: PostMedia; artifact: ArtifactInput }[]> {
  const out: { item: PostMedia; artifact: ArtifactInput }[] = [];
  let index = 0;
  for (const item of items) {
    const i = index++;
    if (!/^https?:/i.test(item.url)) {
      item.missing = item.url.startsWith('blob:') ? 'the page plays this media from a blob: stream; no direct URL exists' : 'not an http(s) URL';
      continue;
    }
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), timeoutMs);
    try {
      const res = await fetch(item.url, { credentials: 'include', signal: ctrl.signal });
      if (!res.ok) {
        item.missing = `HTTP ${res.status}`;
        continue;
      }
      const blob = await res.blob();
      if (blob.size > MAX_RESOURCE_BYTES * 8) {
        item.missing = `larger than ${MAX_RESOURCE_BYTES * 8} bytes`;
        continue;
      }
      const type = res.headers.get('content-type');
      out.push({ item, artifact: { kind: 'media', mediaType: type?.split(';')[0] ?? 'application/octet-stream', data: blob, name: fileName(i, item.url, type) } });
    } catch (e) {
      item.missing = (e as Error).name === 'AbortError' ? 'timed out' : (e as Error).message;
    } finally {
      clearTimeout(timer);
    }
  }
  return out;
}
