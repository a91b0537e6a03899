/**
 * Tokeniser shared by the index and the query side. Chinese (and other CJK scripts) is written
 * without spaces between words, so CJK runs are indexed as overlapping character bigrams plus single
 * characters; everything else is split into lower-cased letter/digit words. NFKC folds full-width
 * forms (ＡＢＣ１２３, full-width punctuation) into their ordinary forms first.
 */

// Han (incl. extension A and compatibility ideographs), kana, Hangul, and CJK symbols that occur inside words.
const CJK_CHAR = /[\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]|[\u{20000}-\u{2fa1f}]/u;
const RUN = /([\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\u{20000}-\u{2fa1f}]+)|([\p{L}\p{N}\p{M}]+)/gu;

/** Longest Latin token kept; longer ones are cut (they are usually hashes or base64). */
export const MAX_WORD = 40;

export function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

export function isCjk(ch: string): boolean {
  return CJK_CHAR.test(ch);
}

export interface Runs {
  cjk: string[][];
  words: string[];
}

/** Splits normalised text into CJK runs (as arrays of code points) and Latin words. */
export function runs(text: string): Runs {
  const out: Runs = { cjk: [], words: [] };
  for (const m of normalize(text).matchAll(RUN)) {
    if (m[1]) out.cjk.push(Array.from(m[1]));
    else if (m[2]) out.words.push(m[2].length > MAX_WORD ? m[2].slice(0, MAX_WORD) : m[2]);
  }
  return out;
}

/**
 * Index terms of a document with their counts: every Latin word, every CJK bigram, and every
 * single CJK character (so that a one-character query still finds something).
 */
export function documentTerms(text: string, into: Map<string, number> = new Map(), weight = 1): Map<string, number> {
  const add = (t: string): void => {
    into.set(t, (into.get(t) ?? 0) + weight);
  };
  const r = runs(text);
  for (const w of r.words) add(w);
  for (const chars of r.cjk) {
    for (let i = 0; i < chars.length; i++) {
      add(chars[i]!);
      if (i + 1 < chars.length) add(chars[i]! + chars[i + 1]!);
    }
  }
  return into;
}

export interface QueryTerms {
  /** Terms that must all be present (AND). */
  terms: string[];
  /** A trailing Latin word still being typed: matched as a prefix of indexed words. */
  prefix: string | null;
}

/**
 * Query terms: CJK runs become their bigrams (a one-character run stays a unigram), Latin words stay
 * words. When the query does not end in a space, its last Latin word is treated as a prefix so that
 * results update sensibly while the user types ("evid" → "evidence").
 */
export function queryTerms(query: string): QueryTerms {
  const r = runs(query);
  const terms = new Set<string>();
  for (const chars of r.cjk) {
    if (chars.length === 1) terms.add(chars[0]!);
    for (let i = 0; i + 1 < chars.length; i++) terms.add(chars[i]! + chars[i + 1]!);
  }
  let prefix: string | null = null;
  const words = [...r.words];
  const norm = normalize(query);
  const endsInWord = words.length > 0 && /[\p{L}\p{N}\p{M}]$/u.test(norm) && !isCjk(Array.from(norm).at(-1)!);
  if (endsInWord) prefix = words.pop()!;
  for (const w of words) terms.add(w);
  if (prefix !== null && terms.has(prefix)) prefix = null;
  return { terms: [...terms], prefix };
}
