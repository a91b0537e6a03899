import canonicalize from 'canonicalize';
import { putJsonString, type PutText } from '../shared/json-text';

/** WebCrypto is the same object in extension pages, the service worker, content scripts and Node 20. */
const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = '';
  for (let i = 0; i < view.length; i++) out += view[i]!.toString(16).padStart(2, '0');
  return out;
}

export function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/i.test(hex)) throw new Error('not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export type Hashable = string | ArrayBuffer | Uint8Array | Blob;

const utf8 = new TextEncoder();

async function bytesOf(data: Hashable): Promise<ArrayBuffer | Uint8Array> {
  if (typeof data === 'string') return utf8.encode(data);
  if (data instanceof Blob) return data.arrayBuffer();
  return data;
}

/** Lower-case hex SHA-256. Strings are hashed as UTF-8. */
export async function sha256Hex(data: Hashable): Promise<string> {
  const bytes = await bytesOf(data);
  return toHex(await subtle().digest('SHA-256', bytes as BufferSource));
}

/** RFC 8785 (JCS) canonical JSON text. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value cannot be canonicalised');
  return text;
}

/**
 * canonicalJson(value) written into `out` as its parts (keys, hashes, punctuation), for texts made
 * without intermediate strings (an export's ledger.jsonl: the library's concatenations were ~1.5 MB
 * of garbage per 1,000 captures). It follows the library step by step, quirks included (a
 * function inside a value is written `undefined`), and tests hold it to the library's output.
 */
export function putCanonicalJson(out: PutText, value: unknown): void {
  if (typeof value === 'number' && isNaN(value)) throw new Error('NaN is not allowed');
  if (typeof value === 'number' && !isFinite(value)) throw new Error('Infinity is not allowed');
  if (typeof value === 'string') return putJsonString(out, value);
  if (value === null || typeof value !== 'object') {
    out.put(String(JSON.stringify(value)));
    return;
  }
  const o = value as { toJSON?: unknown } & Record<string, unknown>;
  if (o.toJSON instanceof Function) return putCanonicalJson(out, o.toJSON());
  if (Array.isArray(value)) {
    out.put('[');
    for (let i = 0; i < value.length; i++) {
      if (i) out.put(',');
      const v: unknown = value[i];
      putCanonicalJson(out, v === undefined || typeof v === 'symbol' ? null : v);
    }
    out.put(']');
    return;
  }
  out.put('{');
  let first = true;
  for (const k of Object.keys(o).sort()) {
    const v = o[k];
    if (v === undefined || typeof v === 'symbol') continue;
    if (!first) out.put(',');
    first = false;
    putCanonicalJson(out, k);
    out.put(':');
    putCanonicalJson(out, v);
  }
  out.put('}');
}

/** SHA-256 of the UTF-8 bytes of the canonical JSON of `value`. */
export function sha256Canonical(value: unknown): Promise<string> {
  return sha256Hex(canonicalJson(value));
}
