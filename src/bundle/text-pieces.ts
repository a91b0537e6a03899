/**
 * Generated text (manifest.json, report.html, ledger.jsonl, SHA256SUMS, VERIFY.txt) made and
 * encoded a piece at a time: at 1,000 captures each whole text would be megabytes of string (twice
 * that with Chinese text), copied again when encoded, and the page keeps such garbage until a
 * collection (bench/notes.md, export memory).
 */
const utf8 = new TextEncoder();

/** How much generated text textPieces encodes before handing it on. */
const TEXT_BLOCK = 64 * 1024;

/**
 * A text given as strings, as UTF-8 in blocks of up to TEXT_BLOCK bytes, each block passed to
 * `seen` (e.g. a running hash) first. One buffer is reused for every block: the consumer must be
 * done with a block when it asks for the next, as deflatePieces is (CompressionStream reads a chunk
 * before its write settles). A thousand captures' report sections would otherwise be a thousand
 * buffers for the collector.
 */
export function* textPieces(strings: Iterable<string>, seen: (block: Uint8Array) => void): Generator<Uint8Array> {
  let buf = new Uint8Array(TEXT_BLOCK);
  let used = 0;
  for (const s of strings) {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (used && used + s.length * 3 > buf.length) {
      seen(buf.subarray(0, used));
      yield buf.subarray(0, used);
      used = 0;
    }
    if (s.length * 3 > buf.length) buf = new Uint8Array(s.length * 3);
    used += utf8.encodeInto(s, buf.subarray(used)).written;
  }
  if (used) {
    seen(buf.subarray(0, used));
    yield buf.subarray(0, used);
  }
}

/**
 * Strings encoded one after another as UTF-8 into one buffer of `sizeHint` bytes, doubled when
 * full: the text never exists whole as a string.
 */
export function encodePieces(pieces: Iterable<string>, sizeHint = 64 * 1024): Uint8Array {
  let buf = new Uint8Array(sizeHint);
  let used = 0;
  for (const s of pieces) {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (used + s.length * 3 > buf.length) {
      const next = new Uint8Array(Math.max(buf.length * 2, used + s.length * 3));
      next.set(buf.subarray(0, used));
      buf = next;
    }
    used += utf8.encodeInto(s, buf.subarray(used)).written;
  }
  return buf.subarray(0, used);
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
 * JSON.stringify(value, null, 2) + '\n' of an object, in pieces: each element of a top-level array
 * and each entry of a top-level object is its own piece, so a manifest's captures and files never
 * make one string. Joined, the pieces are exactly that text (tests/bundle/export.test.ts).
 */
export function* jsonPieces(value: object): Generator<string> {
  const fields = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
  if (!fields.length) {
    yield '{}\n';
    return;
  }
  // A value at depth d as JSON.stringify(…, null, 2) writes it there: stringified inside d arrays,
  // then cut out of them (one string, no second pass over it).
  const nested = (v: unknown, depth: 1 | 2): string => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) return JSON.stringify(v);
    const text = JSON.stringify(depth === 1 ? [v] : [[v]], null, 2);
    return depth === 1 ? text.slice(4, -2) : text.slice(10, -6);
  };
  yield '{\n';
  for (let i = 0; i < fields.length; i++) {
    const [k, v] = fields[i]!;
    yield `  ${JSON.stringify(k)}: `;
    if (Array.isArray(v) && v.length) {
      yield '[\n';
      // Separate pieces, not one template string: joined, they would be copied once more when encoded.
      for (let j = 0; j < v.length; j++) {
        yield '    ';
        yield nested(v[j], 2);
        yield j < v.length - 1 ? ',\n' : '\n';
      }
      yield '  ]';
    } else if (v && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype && !('toJSON' in v)) {
      const obj = v as Record<string, unknown>;
      const inner = Object.keys(obj).filter((x) => obj[x] !== undefined && typeof obj[x] !== 'function');
      if (!inner.length) yield '{}';
      else {
        yield '{\n';
        for (let j = 0; j < inner.length; j++) yield `    ${JSON.stringify(inner[j])}: ${nested(obj[inner[j]!], 2)}${j < inner.length - 1 ? ',' : ''}\n`;
        yield '  }';
      }
    } else yield nested(v, 1);
    yield i < fields.length - 1 ? ',\n' : '\n';
  }
  yield '}\n';
}
