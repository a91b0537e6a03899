/**
 * Generated text (manifest.json, report.html, ledger.jsonl, SHA256SUMS, VERIFY.txt) written as
 * UTF-8 part by part, never as whole strings: at 1,000 captures each text would be megabytes of
 * string (twice that with Chinese text), copied again when encoded, and the page keeps such
 * garbage until a collection (bench/notes.md, export memory).
 */
import { putJsonString, type PutText } from '../shared/json-text';

const utf8 = new TextEncoder();

/** How much generated text textBlocks encodes before handing it on. */
const TEXT_BLOCK = 64 * 1024;

/** Strings up to this long are encoded here; longer ones by encodeInto, whose view then costs little. */
const SHORT = 256;

/**
 * Writes `s` as UTF-8 into `buf` at `at`, which must have room for its UTF-8 bytes (`s.length * 3`
 * always suffices); returns the bytes written. Short strings (most generated pieces: hashes, paths,
 * punctuation, the report's bilingual labels) are encoded here a unit at a time, as TextEncoder
 * does (a lone surrogate becomes U+FFFD); longer ones through encodeInto, which needs a view of
 * its own: an object for the collector per piece, thousands per export.
 */
export function putUtf8(s: string, buf: Uint8Array, at: number): number {
  const n = s.length;
  if (n > SHORT) return utf8.encodeInto(s, buf.subarray(at)).written;
  let o = at;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[o++] = c;
      continue;
    }
    if (c < 0x800) {
      buf[o++] = 0xc0 | (c >> 6);
      buf[o++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        buf[o++] = 0xf0 | (c >> 18);
        buf[o++] = 0x80 | ((c >> 12) & 0x3f);
        buf[o++] = 0x80 | ((c >> 6) & 0x3f);
        buf[o++] = 0x80 | (c & 0x3f);
        continue;
      }
      c = 0xfffd; // a lone surrogate
    }
    buf[o++] = 0xe0 | (c >> 12);
    buf[o++] = 0x80 | ((c >> 6) & 0x3f);
    buf[o++] = 0x80 | (c & 0x3f);
  }
  return o - at;
}

/** Where generated text is written, a string at a time. */
export type TextOut = PutText;

/**
 * Makes a text by writing it into `out` a few characters at a time (the parts of a report row, a
 * hash, a path), yielding whenever what was written so far may be handed on (after each capture's
 * section, each line): a text made so is never joined into strings on its way to its bytes.
 */
export type TextMaker = (out: TextOut) => Iterable<unknown>;

/** TextOut into blocks of TEXT_BLOCK bytes: full blocks wait in `sealed` to be handed on. */
class BlockOut implements TextOut {
  buf: Uint8Array = new Uint8Array(TEXT_BLOCK);
  used = 0;
  readonly sealed: Uint8Array[] = [];
  /** Blocks handed on and done with, to be written again. */
  readonly spare: Uint8Array[] = [];
  put(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const room = s.length * 3;
    if (this.used + room > this.buf.length) {
      if (this.used) {
        this.sealed.push(this.buf.subarray(0, this.used));
        this.buf = this.spare.pop() ?? new Uint8Array(TEXT_BLOCK);
        this.used = 0;
      }
      if (room > this.buf.length) this.buf = new Uint8Array(room); // one string larger than a block
    }
    this.used += putUtf8(s, this.buf, this.used);
  }
}

/**
 * The text `make` writes, as UTF-8 in blocks of up to TEXT_BLOCK bytes, each passed to `seen` (e.g.
 * a running hash) first. Blocks are written again once handed on: the consumer must be done with a
 * block when it asks for the next, as deflatePieces is (CompressionStream reads a chunk before its
 * write settles). A thousand captures' report sections are then two buffers, not thousands of
 * strings and buffers for the collector.
 */
export function* textBlocks(make: TextMaker, seen: (block: Uint8Array) => void): Generator<Uint8Array> {
  const out = new BlockOut();
  const handOn = function* (): Generator<Uint8Array> {
    for (let b = out.sealed.shift(); b; b = out.sealed.shift()) {
      seen(b);
      yield b;
      if (b.buffer.byteLength === TEXT_BLOCK) out.spare.push(new Uint8Array(b.buffer));
    }
  };
  // Most steps fill no block: no generator made for them.
  for (const _ of make(out)) if (out.sealed.length) yield* handOn();
  yield* handOn();
  if (out.used) {
    const last = out.buf.subarray(0, out.used);
    seen(last);
    yield last;
  }
}

/** The text `make` writes, as one UTF-8 buffer. */
export function textBytes(make: TextMaker): Uint8Array {
  const out = new Utf8Buffer();
  for (const _ of make(out));
  return out.bytes();
}

/** The text `make` writes, as one string (tests, and texts shown whole). */
export function textString(make: TextMaker): string {
  const parts: string[] = [];
  for (const _ of make({ put: (s) => void parts.push(s) }));
  return parts.join('');
}

/** UTF-8 written into one buffer, doubled when full: a text made without ever being one string. */
export class Utf8Buffer implements TextOut {
  private buf: Uint8Array;
  private used = 0;
  constructor(sizeHint = 64 * 1024) {
    this.buf = new Uint8Array(Math.max(16, sizeHint));
  }
  put(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.used + s.length * 3 > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.used + s.length * 3));
      next.set(this.buf.subarray(0, this.used));
      this.buf = next;
    }
    this.used += putUtf8(s, this.buf, this.used);
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.used);
  }
}

/** The UTF-8 length of a string, without encoding it. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: 4 bytes for 2 units
      i++;
    } else n += 2; // 3 bytes (a lone surrogate becomes U+FFFD, also 3)
  }
  return n;
}

/**
 * Exactly `JSON.stringify(value, null, 2) + '\n'` (for acyclic values), as UTF-8 in one buffer of
 * `sizeHint` bytes (grown when short): written straight from the value, so the manifest of 1,000
 * captures never exists as strings (~1.5 MB of them, garbage the page kept until a collection).
 * Strings with nothing to escape are written as they are; the rest, and numbers, through JSON.stringify.
 */
export function encodeJson(value: unknown, sizeHint = 64 * 1024): Uint8Array {
  const out = new Utf8Buffer(sizeHint);
  const v = resolve(value, '');
  if (v === undefined) throw new TypeError('the value has no JSON text');
  writeJson(out, v, 0);
  out.put('\n');
  return out.bytes();
}

/** A newline and the indent of depth d (two spaces a level), made once per depth. */
const NEWLINES: string[] = [];
function newline(depth: number): string {
  return (NEWLINES[depth] ??= '\n' + '  '.repeat(depth));
}

/**
 * What JSON.stringify serializes for a value at `key`: toJSON applied, boxed primitives unboxed;
 * undefined where it writes nothing (undefined, functions, symbols).
 */
function resolve(value: unknown, key: string | number): unknown {
  let v = value;
  if ((typeof v === 'object' && v !== null) || typeof v === 'bigint') {
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') v = toJSON.call(v, String(key));
  }
  if (v instanceof Number || v instanceof String || v instanceof Boolean) v = v.valueOf();
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return undefined;
  return v;
}

function writeJson(out: Utf8Buffer, v: unknown, depth: number): void {
  if (typeof v === 'string') return putJsonString(out, v);
  if (v === null || typeof v !== 'object') {
    // Numbers (non-finite ones become null), booleans, null; a BigInt throws as JSON.stringify does.
    out.put(JSON.stringify(v));
    return;
  }
  if (Array.isArray(v)) {
    if (!v.length) return out.put('[]');
    out.put('[');
    for (let i = 0; i < v.length; i++) {
      if (i) out.put(',');
      out.put(newline(depth + 1));
      const x = resolve(v[i], i);
      if (x === undefined) out.put('null');
      else writeJson(out, x, depth + 1);
    }
    out.put(newline(depth));
    out.put(']');
    return;
  }
  const obj = v as Record<string, unknown>;
  let n = 0;
  for (const k of Object.keys(obj)) {
    const x = resolve(obj[k], k);
    if (x === undefined) continue;
    out.put(n++ ? ',' : '{');
    out.put(newline(depth + 1));
    putJsonString(out, k);
    out.put(': ');
    writeJson(out, x, depth + 1);
  }
  if (!n) return out.put('{}');
  out.put(newline(depth));
  out.put('}');
}
