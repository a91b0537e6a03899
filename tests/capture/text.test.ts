import fs from 'node:fs';
import path from 'node:path';
import { DOMParser } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { blockText, extractReadableText } from '../../src/capture/text';

const CORPUS = path.resolve(__dirname, '../../../shared/corpus/readability');

function parse(html: string): Document {
  // linkedom only builds a body when the markup has an <html> element.
  const full = /<html[\s>]/i.test(html) ? html : `<!doctype html><html>${html}</html>`;
  return new DOMParser().parseFromString(full, 'text/html') as unknown as Document;
}

const ARTICLE_ZH = `<!doctype html><html lang="zh-CN"><head><title>储户维权_新闻</title><script>var x = "SCRIPT_TEXT";</script></head><body>
  <nav>首页 | 新闻</nav>
  <article>
    <h1>河南村镇银行储户健康码变红</h1>
    ${Array.from({ length: 6 }, (_, i) => `<p>第${i + 1}段：2022年6月，多名前往郑州的村镇银行储户发现自己的健康码被
    赋为红码，无法正常出行。有储户表示，他们此前从未到过任何风险地区，也没有接触过确诊病例。
    相关报道在数日内被删除。</p>`).join('\n')}
  </article>
  <footer>版权所有</footer>
</body></html>`;

describe('blockText', () => {
  it('turns blocks into line and paragraph breaks, collapses whitespace, drops tags', () => {
    const doc = parse(`<body><h1>Title</h1><p>one   two
      three <b>bold</b><br>next line</p><ul><li>a</li><li>b</li></ul><table><tr><td>k</td><td>v</td></tr></table><pre>x  =  1
y  =  2</pre></body>`);
    expect(blockText(doc.body)).toBe('Title\n\none two three bold\nnext line\n\na\nb\n\nk\tv\n\nx  =  1\ny  =  2');
  });

  it('joins CJK lines without a space (source line breaks are not word breaks) but keeps Latin spacing', () => {
    const doc = parse('<body><p>健康码\n变红</p><p>red\ncode</p><p>红码\nred</p></body>');
    expect(blockText(doc.body)).toBe('健康码变红\n\nred code\n\n红码 red');
  });

  it('skips script, style, noscript, template, and hidden elements when asked', () => {
    const doc = parse(`<body><p>seen</p><script>s()</script><style>p{}</style><noscript>ns</noscript>
      <template><p>tpl</p></template><p hidden>h1</p><p style="display: none">h2</p><p aria-hidden="true">h3</p></body>`);
    expect(blockText(doc.body, { skipHidden: true })).toBe('seen');
    expect(blockText(doc.body)).toContain('h2');
  });

  it('survives very deep nesting (no recursion)', () => {
    const depth = 20_000;
    const doc = parse(`<body>${'<span>'.repeat(depth)}deep${'</span>'.repeat(depth)}</body>`);
    expect(blockText(doc.body)).toBe('deep');
  });
});

describe('extractReadableText', () => {
  it('extracts the article of a Chinese page with Readability, paragraphs kept, chrome dropped', () => {
    const doc = parse(ARTICLE_ZH);
    const r = extractReadableText(doc, 'https://news.example/1');
    expect(r.readerable).toBe(true);
    expect(r.source).toBe('readability');
    expect(r.text).toContain('健康码被赋为红码，无法正常出行');
    expect(r.text).toMatch(/相关报道在数日内被删除。\n\n第2段/);
    expect(r.text).not.toContain('SCRIPT_TEXT');
    expect(r.text).not.toContain('版权所有');
    expect(r.text).not.toMatch(/<\/?p>/);
    expect(r.length).toBe(r.text.length);
  });

  it('leaves the live document untouched (Readability works on a clone)', () => {
    const doc = parse(ARTICLE_ZH);
    const before = doc.documentElement.outerHTML;
    extractReadableText(doc, 'https://news.example/1');
    expect(doc.documentElement.outerHTML).toBe(before);
  });

  it('falls back to the visible body text on a page that is not an article', () => {
    const doc = parse(`<html><head><title>Login</title></head><body><form><label>User</label><input>
      <button>Sign in</button></form><script>track()</script><div style="display:none">secret</div><p>健康码查询</p></body></html>`);
    const r = extractReadableText(doc, 'https://x.example/');
    expect(r.readerable).toBe(false);
    expect(r.source).toBe('body');
    expect(r.title).toBe('Login');
    expect(r.text).toBe('User Sign in\n\n健康码查询');
  });

  it('returns empty text, not an error, for an empty document', () => {
    const r = extractReadableText(parse(''), 'about:blank');
    expect(r).toMatchObject({ text: '', length: 0, source: 'body' });
  });
});

describe.skipIf(!fs.existsSync(CORPUS))('corpus: Readability test pages', () => {
  const load = (name: string) => {
    const dir = path.join(CORPUS, name);
    return {
      doc: parse(fs.readFileSync(path.join(dir, 'source.html'), 'utf8')),
      expected: JSON.parse(fs.readFileSync(path.join(dir, 'expected-metadata.json'), 'utf8')) as {
        excerpt?: string | null;
        readerable: boolean;
      },
    };
  };
  /** The excerpt's first words (Latin) or first characters (CJK), whitespace-normalised. */
  const lead = (excerpt: string) => {
    const s = excerpt.replace(/\s+/g, ' ').trim();
    return /[\u3400-\u9fff]/.test(s.slice(0, 4)) ? s.slice(0, 8) : s.split(' ').slice(0, 5).join(' ');
  };
  const flat = (s: string) => s.replace(/\s+/g, ' ');

  it('extracts the article of a Chinese page (qq.com) without navigation or script text', () => {
    const { doc } = load('qq');
    const r = extractReadableText(doc, 'http://fakehost/test/page.html');
    expect(r.source).toBe('readability');
    expect(r.text).toContain('谷歌(微博) 在2014年收购的人工智能公司DeepMind开发出一款能够用自己的记忆学习新知识');
    expect(r.text).toMatch(/回答问题的计算机。\n\n这款产品/);
    expect(r.text).not.toMatch(/function\s*\(|<\w+/);
  });

  it.each(['nytimes-1', 'pixnet', 'wikipedia', 'ars-1', 'heise'])('%s: article text starts where Readability says it does', (name) => {
    const { doc, expected } = load(name);
    const r = extractReadableText(doc, 'http://fakehost/test/page.html');
    expect(r.readerable).toBe(expected.readerable);
    expect(r.source).toBe('readability');
    expect(flat(r.text)).toContain(lead(expected.excerpt ?? ''));
  });

  it('gives non-empty text for every page, and the excerpt lead for readerable ones', () => {
    const names = fs.readdirSync(CORPUS).filter((n) => fs.existsSync(path.join(CORPUS, n, 'source.html')));
    let measured = 0;
    let leadFound = 0;
    let empty = 0;
    for (const name of names) {
      const { doc, expected } = load(name);
      const html = fs.readFileSync(path.join(CORPUS, name, 'source.html'), 'utf8');
      const r = extractReadableText(doc, 'http://fakehost/test/page.html');
      if (!r.text) empty++;
      if (!r.readerable || !expected.excerpt) continue;
      // Readability's excerpt is usually the meta description, which need not be in the text; only
      // excerpts taken from the first paragraph say where the article starts.
      const l = lead(expected.excerpt);
      const inMeta = [...html.matchAll(/<meta\b[^>]*>/gi)].some((m) => flat(m[0]).includes(l));
      if (inMeta) continue;
      measured++;
      if (flat(r.text).includes(l)) leadFound++;
    }
    console.log(`text: ${names.length} pages, ${empty} empty; excerpt lead found in ${leadFound}/${measured} readerable pages whose excerpt is not a meta tag`);
    expect(empty).toBe(0);
    expect(leadFound / measured).toBeGreaterThanOrEqual(LEAD_MIN);
  }, 180_000); // 130 pages through Readability on linkedom: ~30 s on two cores
});

// Measured 2026-11-28: 42 of 44. The two misses are Readability joining text across <br>
// ("Lorem ipsumdolor") and a page where the excerpt is not where our text starts.
const LEAD_MIN = 0.9;
