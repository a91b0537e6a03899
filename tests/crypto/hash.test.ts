import { describe, expect, it } from 'vitest';
import { canonicalJson, putCanonicalJson } from '../../src/crypto/hash';

const written = (v: unknown): string => {
  const parts: string[] = [];
  putCanonicalJson({ put: (s) => void parts.push(s) }, v);
  return parts.join('');
};

describe('putCanonicalJson', () => {
  it('writes exactly what the JCS library makes of the same value', () => {
    const values: unknown[] = [
      { type: 'captured', captureId: 'c1', payload: { hash: 'ab'.repeat(32), url: 'https://example.cn/新闻?a=1&b="2"' }, time: '2022-06-14T02:03:04.005Z' },
      // Key order by UTF-16 units (upper case, digits, Chinese, an astral key), escapes, numbers JCS writes in ES form.
      { b: 1, a: [3, 2, 1], B: null, '1': true, 郑州: '红码', '😀': 'x', 'é': 'e\u0301', ctl: '\u0000\u001f\t\n"\\', lone: 'a\ud800', n: [1e21, 1e-7, -0, 0.1 + 0.2, 5e-324] },
      // Library quirks kept: undefined and symbols left out of objects, null in arrays; functions written "undefined".
      { u: undefined, s: Symbol('s'), arr: [undefined, Symbol('t'), () => 1, { x: undefined }], f: () => 2 },
      // toJSON (a Date), nested empties, top-level arrays and strings.
      { d: new Date(Date.UTC(2022, 5, 14)), e: {}, f: [], g: [[[]]], h: { toJSON: () => ({ z: 1, a: 2 }) } },
      [1, 'two', { three: 3 }],
      'plain',
      '引号"',
      null,
      42,
    ];
    for (const v of values) expect(written(v), JSON.stringify(v)).toBe(canonicalJson(v));
    expect(() => written({ n: NaN })).toThrow(/NaN/);
    expect(() => written([Infinity])).toThrow(/Infinity/);
  });
});
