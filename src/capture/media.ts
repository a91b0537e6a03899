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
 * Downloads a post's media at the original resolution chosen by the adapter. Fills each item's path
 * and sha256 (later, from the hashed artifact) or says why it is missing; never fails the capture.
 */
export async function downloadMedia(post: Post | null, timeoutMs = 30_000): Promise<{ item: PostMedia; artifact: ArtifactInput }[]> {
  const out: { item: PostMedia; artifact: ArtifactInput }[] = [];
  const items = allMedia(post);
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
