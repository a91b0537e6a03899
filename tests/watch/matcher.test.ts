import { describe, expect, it } from 'vitest';
import { KeywordMatcher, matchTerms } from '../../src/watch/matcher';
import { HENAN_2022_PRESET } from '../../src/watch/presets';
import { computeMatches, runWatchScan, textHash } from '../../src/watch/scan';
import type { WatchMessage } from '../../src/watch/messages';

describe('KeywordMatcher', () => {
  it('counts overlapping Chinese terms: 赋红码 also contains 红码', () => {
    const m = new KeywordMatcher(['红码', '赋红码', '健康码']);
    expect(Object.fromEntries(m.count('储户被赋红码，健康码变红码'))).toEqual({ 红码: 2, 赋红码: 1, 健康码: 1 });
  });

  it('finds terms that share suffixes through failure links', () => {
    const m = new KeywordMatcher(['he', 'she', 'his', 'hers']);
    expect(Object.fromEntries(m.count('ushers'))).toEqual({ she: 1, he: 1, hers: 1 });
  });

  it('is case-insensitive and folds full-width forms (NFKC)', () => {
    expect(matchTerms(['Health Code', '12345'], 'Her HEALTH code… 拨打１２３４５')).toEqual({ 'Health Code': 1, '12345': 1 });
  });

  it('returns nothing for text without terms, and for no terms', () => {
    expect(matchTerms(['红码'], '今天天气晴')).toEqual({});
    expect(matchTerms([], '红码')).toEqual({});
  });

  it('ignores empty and duplicate terms', () => {
    expect(new KeywordMatcher(['', ' 红码 ', '红码', 'ＲＥＤ', 'red']).terms).toEqual(['红码', 'ＲＥＤ']);
  });

  it('ships the Henan 2022 preset with the required terms', () => {
    for (const t of ['红码', '赋红码', '健康码', '豫康码', '村镇银行', '储户', '停工', '烂尾楼', '维权', '郑州', '禹州新民生村镇银行', '转码申诉', '12345'])
      expect(HENAN_2022_PRESET).toContain(t);
    const found = matchTerms(HENAN_2022_PRESET, '禹州新民生村镇银行的储户到郑州维权');
    expect(Object.keys(found)).toEqual(expect.arrayContaining(['禹州新民生村镇银行', '村镇银行', '储户', '郑州', '维权']));
  });
});

describe('runWatchScan', () => {
  const fakeDeps = (reply: unknown, text: () => string) => {
    const sent: WatchMessage[] = [];
    let change: () => void = () => undefined;
    const timers: (() => void)[] = [];
    return {
      sent,
      fire: () => change(),
      runTimers: () => timers.splice(0).forEach((f) => f()),
      deps: {
        send: async (m: WatchMessage) => {
          sent.push(m);
          return m.type === 'watch-hello' ? reply : { ok: true };
        },
        readText: text,
        url: () => 'https://example.org/a',
        observe: (cb: () => void) => {
          change = cb;
          return () => undefined;
        },
        setTimer: (fn: () => void) => timers.push(fn),
        clearTimer: () => undefined,
      },
    };
  };

  it('does nothing after a null hello reply (page not watched)', async () => {
    const f = fakeDeps(null, () => '红码');
    await runWatchScan(f.deps);
    expect(f.sent.map((m) => m.type)).toEqual(['watch-hello']);
  });

  it('sends counts and a text hash, and rescans only when the text changed', async () => {
    let text = '储户被赋红码';
    const f = fakeDeps({ terms: ['红码', '储户'] }, () => text);
    await runWatchScan(f.deps);
    expect(f.sent[1]).toEqual({ type: 'watch-matches', url: 'https://example.org/a', counts: { 红码: 1, 储户: 1 }, textHash: textHash(text), scan: 0 });
    f.fire();
    f.runTimers();
    await Promise.resolve();
    expect(f.sent).toHaveLength(2);
    text += '又一个红码';
    f.fire();
    f.runTimers();
    await new Promise((r) => setTimeout(r, 0));
    expect(f.sent).toHaveLength(3);
    expect((f.sent[2] as { counts: Record<string, number> }).counts).toEqual({ 红码: 2, 储户: 1 });
  });

  it('computeMatches never carries page text, only counts and a hash', () => {
    const m = computeMatches(new KeywordMatcher(['红码']), 'https://x.test/', 'secret 红码 text', 0);
    expect(JSON.stringify(m)).not.toContain('secret');
  });
});
