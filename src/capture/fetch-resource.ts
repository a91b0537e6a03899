import { bytesToBase64 } from '../shared/bytes';
import type { FetchResourceResponse } from '../shared/messages';

/** Larger resources are left out of the snapshot (SingleFile's own cap is the same). */
export const MAX_RESOURCE_BYTES = 25 * 1024 * 1024;

/**
 * Fetches a page resource for the snapshot from the background, where the extension's host
 * permission lifts the page's CORS limits. Only http(s) and data: URLs.
 */
export async function fetchResource(url: string, timeoutMs = 30_000): Promise<FetchResourceResponse> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, status: 0, contentType: null, body: null, error: 'bad URL' };
  }
  if (!['http:', 'https:', 'data:'].includes(parsed.protocol)) {
    return { ok: false, status: 0, contentType: null, body: null, error: `scheme ${parsed.protocol} not fetched` };
  }
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  try {
    const res = await fetch(url, { credentials: 'include', cache: 'force-cache', signal: ctrl.signal });
    const len = Number(res.headers.get('content-length') ?? 0);
    if (len > MAX_RESOURCE_BYTES) return { ok: false, status: res.status, contentType: null, body: null, error: 'too large' };
    const buf = new Uint8Array(await res.arrayBuffer());
    if (buf.byteLength > MAX_RESOURCE_BYTES) return { ok: false, status: res.status, contentType: null, body: null, error: 'too large' };
    return { ok: true, status: res.status, contentType: res.headers.get('content-type'), body: bytesToBase64(buf) };
  } catch (e) {
    return { ok: false, status: 0, contentType: null, body: null, error: (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
