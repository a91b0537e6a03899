/**
 * Keyword matcher for the watch: Aho–Corasick over NFKC-normalised, lower-cased text, so one pass over
 * a page finds every term, overlapping ones included (赋红码 also counts 红码).
 */

export function normalizeTerm(s: string): string {
  return s.normalize('NFKC').toLowerCase().trim();
}

interface Node {
  next: Map<string, number>;
  fail: number;
  /** Indices of terms ending here (own and via failure links). */
  out: number[];
}

export class KeywordMatcher {
  readonly terms: readonly string[];
  private readonly nodes: Node[] = [{ next: new Map(), fail: 0, out: [] }];

  /** `terms` as the user typed them; matching uses their normalised form, results report the originals. */
  constructor(terms: readonly string[]) {
    const seen = new Set<string>();
    const kept: string[] = [];
    for (const t of terms) {
      const n = normalizeTerm(t);
      if (!n || seen.has(n)) continue;
      seen.add(n);
      kept.push(t.trim());
      this.insert(n, kept.length - 1);
    }
    this.terms = kept;
    this.build();
  }

  private insert(term: string, index: number): void {
    let s = 0;
    for (const ch of term) {
      let nx = this.nodes[s]!.next.get(ch);
      if (nx === undefined) {
        nx = this.nodes.length;
        this.nodes.push({ next: new Map(), fail: 0, out: [] });
        this.nodes[s]!.next.set(ch, nx);
      }
      s = nx;
    }
    this.nodes[s]!.out.push(index);
  }

  private build(): void {
    const queue: number[] = [];
    for (const child of this.nodes[0]!.next.values()) queue.push(child);
    while (queue.length) {
      const s = queue.shift()!;
      for (const [ch, child] of this.nodes[s]!.next) {
        let f = this.nodes[s]!.fail;
        while (f !== 0 && !this.nodes[f]!.next.has(ch)) f = this.nodes[f]!.fail;
        const target = this.nodes[f]!.next.get(ch);
        this.nodes[child]!.fail = target !== undefined && target !== child ? target : 0;
        this.nodes[child]!.out.push(...this.nodes[this.nodes[child]!.fail]!.out);
        queue.push(child);
      }
    }
  }

  /** Occurrence count of each term found in `text` (terms not found are absent). */
  count(text: string): Map<string, number> {
    const counts = new Map<string, number>();
    if (this.terms.length === 0) return counts;
    let s = 0;
    for (const ch of text.normalize('NFKC').toLowerCase()) {
      while (s !== 0 && !this.nodes[s]!.next.has(ch)) s = this.nodes[s]!.fail;
      s = this.nodes[s]!.next.get(ch) ?? 0;
      for (const i of this.nodes[s]!.out) {
        const term = this.terms[i]!;
        counts.set(term, (counts.get(term) ?? 0) + 1);
      }
    }
    return counts;
  }
}

/** Convenience: counts as a plain object (what the content script sends). */
export function matchTerms(terms: readonly string[], text: string): Record<string, number> {
  return Object.fromEntries(new KeywordMatcher(terms).count(text));
}
