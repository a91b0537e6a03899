import { describe, expect, it } from 'vitest';
import { deflatePieces } from '../../src/bundle/zip-writer';
import { Utf8Buffer, encodeJson, putUtf8, textBlocks, textBytes, textString, utf8Length, type TextOut } from '../../src/bundle/text-pieces';

describe('text pieces', () => {
  it('writes text into reused blocks, each seen before it is handed on', async () => {
    const { inflateRawSync } = await import('node:zlib');
    const { createHash } = await import('node:crypto');
    // Many small parts (several blocks), Chinese text, one string larger than a block, and parts
    // written without a yield in between (a section's worth sealed at once).
    const strings = [...Array.from({ length: 4000 }, (_, i) => `<p>${i} 郑州 村镇银行 储户 ${i * 7}</p>\n`), 'x'.repeat(200_000), '尾'];
    const make = function* (out: TextOut): Generator<void> {
      for (let i = 0; i < strings.length; i++) {
        out.put(strings[i]!);
        if (i % 50 !== 49) yield;
      }
    };
    const want = Buffer.from(strings.join(''), 'utf8');
    const seen = createHash('sha256');
    const blocks: Uint8Array[] = [];
    const copies: Buffer[] = [];
    for (const b of textBlocks(make, (x) => seen.update(x))) {
      blocks.push(b);
      copies.push(Buffer.from(b)); // the block is only valid until the next is asked for
    }
    expect(blocks.length).toBeGreaterThan(3);
    expect(Buffer.concat(copies).equals(want)).toBe(true);
    expect(seen.digest('hex')).toBe(createHash('sha256').update(want).digest('hex'));
    // The small parts fill three blocks before the large string: two buffers written in turn.
    expect(new Set(blocks.slice(0, 3).map((b) => b.buffer)).size).toBe(2);
    const got = await deflatePieces(textBlocks(make, () => {}));
    expect(got.size).toBe(want.length);
    expect(Buffer.from(inflateRawSync(got.body)).equals(want)).toBe(true);
    expect(Buffer.from(textBytes(make)).equals(want)).toBe(true);
    expect(textString(make)).toBe(strings.join(''));
  });

  it('writes JSON as exactly the bytes of JSON.stringify(value, null, 2)', () => {
    const dec = new TextDecoder();
    const cases: unknown[] = [
      {},
      [],
      'top',
      { a: [], b: {}, c: null, d: undefined, e: () => 1, f: 0, g: 'x\ny "q" \\ 郑州', h: Symbol('s'), i: -0, j: NaN, k: 1e21, l: 0.1 + 0.2 },
      {
        format: 'jianzheng-bundle',
        createdAt: new Date(Date.UTC(2022, 5, 14)),
        captures: [{ id: 'c1', post: undefined, page: { title: '红码', tags: ['a', ['b', {}]] }, artifacts: [] }, undefined, () => 1, [1, [2, [3]]], 'plain'],
        files: { 'captures/c1/record.json': 'ab'.repeat(32), 'SHA256SUMS': 'cd'.repeat(32), skipped: undefined },
        ledger: { file: 'ledger.jsonl', count: 2, nested: { deep: [{ x: 1 }] } },
        last: [{}],
      },
      // Escapes and surrogates: control characters, a lone surrogate (escaped), a pair (kept).
      { ctl: '\u0000\u001f\t\b', lone: 'a\ud800b', pair: '😀', tail: '\udc00', '键 "k"': '值' },
      // toJSON gets its key; boxed primitives are unboxed; toJSON returning undefined drops the key.
      { t: { toJSON: (k: string) => `key:${k}` }, arr: [{ toJSON: (k: string) => `i${k}` }], boxed: [Object(1), Object('s'), Object(false)], gone: { toJSON: () => undefined } },
      // Long strings (the encodeInto path) and deep nesting.
      { long: 'x'.repeat(1000) + '河南', deep: [[[[[{ a: [[]] }]]]]] },
    ];
    for (const c of cases) expect(dec.decode(encodeJson(c, 1)), JSON.stringify(c)).toBe(JSON.stringify(c, null, 2) + '\n');
    expect(() => encodeJson({ n: 1n })).toThrow(TypeError);
    expect(() => encodeJson(undefined)).toThrow(TypeError);
    for (const t of ['', 'ascii', '郑州 红码', 'é', '😀 x', '\ud800 lone', 'end \udc00', 'x'.repeat(1000) + '河南']) expect(utf8Length(t), t).toBe(new TextEncoder().encode(t).length);
  });

  it('writes UTF-8 into a buffer grown when the size hint was too small', () => {
    const pieces = Array.from({ length: 500 }, (_, i) => `{"n":${i},"t":"河南 村镇银行"}\n`);
    pieces.push('y'.repeat(300), '尾'.repeat(300), 'a\ud800');
    const want = Buffer.from(pieces.join(''), 'utf8');
    for (const hint of [1, 100, want.length, want.length * 4]) {
      const out = new Utf8Buffer(hint);
      for (const p of pieces) out.put(p);
      expect(Buffer.from(out.bytes()).equals(want), `hint ${hint}`).toBe(true);
    }
    // putUtf8 at an offset, short and long, ASCII and not, leaves the bytes around it alone.
    for (const s of ['abc', 'ab郑', 'é ß ÿ', '😀x😀', 'a\ud800', '\udc00b', '\ud800\ud800\udc00', 'x\udbff', '\u07ff\u0800\uffff', 'z'.repeat(400), '郑'.repeat(200), '😀'.repeat(200)]) {
      const buf = new Uint8Array(2 + s.length * 3 + 2).fill(7);
      const n = putUtf8(s, buf, 2);
      const enc = new TextEncoder().encode(s);
      expect(n).toBe(enc.length);
      expect(Buffer.from(buf.subarray(2, 2 + n)).equals(Buffer.from(enc))).toBe(true);
      expect([buf[0], buf[1], buf[2 + n]]).toEqual([7, 7, 7]);
    }
  });
});
