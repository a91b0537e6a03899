/**
 * Text diff between two versions of a capture's text.txt: how an edit or a deletion is shown. First
 * by segments (lines, and Chinese/English sentences, since Chinese pages often put a whole article on
 * one line), then, inside a changed pair of segments, by words for Latin text and by characters for
 * CJK. Plain LCS with common prefix/suffix trimmed; very large inputs fall back to a coarser diff.
 */

export type DiffOp = { op: 'eq' | 'del' | 'ins'; text: string };

/** LCS table budget (cells); beyond it, the middle part is reported as one deletion + insertion. */
const MAX_CELLS = 4_000_000;

/** Splits text into segments that keep their terminators, so joining them gives the text back. */
export function segments(text: string): string[] {
  return text.match(/[^\n。！？；!?]*(?:[。！？；!?]+[”’」』）)]*|\n|$)/gu)?.filter((s) => s !== '') ?? [];
}

/** Words, spaces and punctuation as separate tokens; each CJK character is its own token. */
export function tokens(text: string): string[] {
  return text.match(/(?:(?![\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}])[\p{L}\p{N}\p{M}])+|\s+|./gsu) ?? [];
}

export function diffSeq(a: readonly string[], b: readonly string[], merge = true): DiffOp[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: DiffOp[] = [];
  const push = (op: DiffOp['op'], text: string): void => {
    if (!text) return;
    const last = out.at(-1);
    if (merge && last && last.op === op) last.text += text;
    else out.push({ op, text });
  };
  push('eq', a.slice(0, start).join(''));
  const ma = a.slice(start, endA);
  const mb = b.slice(start, endB);
  if (ma.length * mb.length > MAX_CELLS) {
    push('del', ma.join(''));
    push('ins', mb.join(''));
  } else {
    const n = ma.length;
    const m = mb.length;
    // dp[i][j] = LCS length of ma[i..] and mb[j..]
    const dp = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        dp[i * (m + 1) + j] = ma[i] === mb[j] ? dp[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(dp[(i + 1) * (m + 1) + j]!, dp[i * (m + 1) + j + 1]!);
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (ma[i] === mb[j]) {
        push('eq', ma[i++]!);
        j++;
      } else if (dp[(i + 1) * (m + 1) + j]! >= dp[i * (m + 1) + j + 1]!) push('del', ma[i++]!);
      else push('ins', mb[j++]!);
    }
    while (i < n) push('del', ma[i++]!);
    while (j < m) push('ins', mb[j++]!);
  }
  push('eq', a.slice(endA).join(''));
  return out;
}

/**
 * Diff of two texts: segment-level, with each deleted+inserted pair refined by word/character so
 * that a changed number or name in a long sentence stands out.
 */
export function diffText(before: string, after: string): DiffOp[] {
  const coarse = diffSeq(segments(before), segments(after), false);
  const out: DiffOp[] = [];
  const push = (op: DiffOp['op'], text: string): void => {
    if (!text) return;
    const last = out.at(-1);
    if (last && last.op === op) last.text += text;
    else out.push({ op, text });
  };
  for (let k = 0; k < coarse.length; ) {
    if (coarse[k]!.op === 'eq') {
      push('eq', coarse[k++]!.text);
      continue;
    }
    // A block of changed segments: pair the i-th deleted with the i-th inserted one and diff those
    // by word/character; the unpaired rest stays whole.
    const dels: string[] = [];
    const ins: string[] = [];
    while (k < coarse.length && coarse[k]!.op !== 'eq') (coarse[k]!.op === 'del' ? dels : ins).push(coarse[k++]!.text);
    const pairs = Math.min(dels.length, ins.length);
    for (let i = 0; i < pairs; i++) for (const f of diffSeq(tokens(dels[i]!), tokens(ins[i]!))) push(f.op, f.text);
    for (const d of dels.slice(pairs)) push('del', d);
    for (const x of ins.slice(pairs)) push('ins', x);
  }
  return out;
}

export function diffStats(ops: readonly DiffOp[]): { inserted: number; deleted: number } {
  let inserted = 0;
  let deleted = 0;
  for (const o of ops) {
    if (o.op === 'ins') inserted += [...o.text].length;
    if (o.op === 'del') deleted += [...o.text].length;
  }
  return { inserted, deleted };
}
