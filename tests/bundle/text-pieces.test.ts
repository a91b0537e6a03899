import { describe, expect, it } from 'vitest';
import { deflatePieces } from '../../src/bundle/zip-writer';
import { encodePieces, jsonPieces, textPieces, utf8Length } from '../../src/bundle/text-pieces';

describe('text pieces', () => {
  it('encodes text pieces into blocks of one reused buffer, each seen before it is handed on', async () => {
    const { inflateRawSync } = await import('node:zlib');
    const { createHash } = await import('node:crypto');
    // Many small strings (several blocks), Chinese text, and one string larger than a block.
    const strings = [...Array.from({ length: 4000 }, (_, i) => `<p>${i} 郑州 村镇银行 储户 ${i * 7}</p>\n`), 'x'.repeat(200_000), '尾'];
    const want = Buffer.from(strings.join(''), 'utf8');
    const seen = createHash('sha256');
    const blocks: Uint8Array[] = [];
    const copies: Buffer[] = [];
    for (const b of textPieces(strings, (x) => seen.update(x))) {
      blocks.push(b);
      copies.push(Buffer.from(b)); // the block is only valid until the next is asked for
    }
    expect(blocks.length).toBeGreaterThan(3);
    expect(Buffer.concat(copies).equals(want)).toBe(true);
    expect(seen.digest('hex')).toBe(createHash('sha256').update(want).digest('hex'));
    // Blocks of the small strings share one buffer; none holds more than its own bytes.
    expect(new Set(blocks.slice(0, 3).map((b) => b.buffer)).size).toBe(1);
    const got = await deflatePieces(textPieces(strings, () => {}));
    expect(got.size).toBe(want.length);
    expect(Buffer.from(inflateRawSync(got.body)).equals(want)).toBe(true);
  });

  it('writes JSON in pieces that join into exactly JSON.stringify(value, null, 2)', async () => {
    const cases: object[] = [
      {},
      { a: [], b: {}, c: null, d: undefined, e: () => 1, f: 0, g: 'x\ny "q" 郑州' },
      {
        format: 'jianzheng-bundle',
        createdAt: new Date(Date.UTC(2022, 5, 14)),
        captures: [{ id: 'c1', post: undefined, page: { title: '红码', tags: ['a', ['b', {}]] }, artifacts: [] }, undefined, [1, [2, [3]]], 'plain'],
        files: { 'captures/c1/record.json': 'ab'.repeat(32), 'SHA256SUMS': 'cd'.repeat(32), skipped: undefined },
        ledger: { file: 'ledger.jsonl', count: 2, nested: { deep: [{ x: 1 }] } },
        last: [{}],
      },
    ];
    for (const c of cases) {
      const pieces = [...jsonPieces(c)];
      expect(pieces.join('')).toBe(JSON.stringify(c, null, 2) + '\n');
    }
    for (const t of ['', 'ascii', '郑州 红码', 'é', '😀 x', '\ud800 lone', 'end \udc00', 'x'.repeat(1000) + '河南']) expect(utf8Length(t), t).toBe(new TextEncoder().encode(t).length);
    // Each capture and each file is a piece of its own.
    expect([...jsonPieces(cases[2]!)].length).toBeGreaterThan(4 + 2 + 6);
  });

  it('encodes pieces into one buffer, grown when the size hint was too small', () => {
    const pieces = Array.from({ length: 500 }, (_, i) => `{"n":${i},"t":"河南 村镇银行"}\n`);
    const want = Buffer.from(pieces.join(''), 'utf8');
    for (const hint of [1, 100, want.length, want.length * 4]) expect(Buffer.from(encodePieces(pieces, hint)).equals(want), `hint ${hint}`).toBe(true);
  });
});
