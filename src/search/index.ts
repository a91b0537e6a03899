/**
 * Full-text search over captures: titles, URLs, captured text (text.txt), post fields, tags and
 * notes. Chinese works without word segmentation (character bigrams, see tokenize.ts); all query
 * terms must match (AND); results are ranked by a tf·idf score.
 */
import type { Post } from '../bundle/format';
import { artifactPath } from '../bundle/format';
import type { EvidenceDB } from '../store/db';
import type { CaptureRow } from '../store/schema';
import { getSearchDb, ID_CHUNK, type DocRow, type SearchDB, type TermRow } from './db';
import { documentTerms, queryTerms } from './tokenize';
import { getArtifactBlob } from '../store/artifacts';

export { getSearchDb, setSearchDb, SearchDB, SEARCH_DB_NAME } from './db';
export { normalize, queryTerms, documentTerms } from './tokenize';

/** What gets indexed for one capture. */
export interface SearchDocument {
  id: string;
  capturedAt: string;
  title?: string | null;
  urls?: string[];
  text?: string | null;
  post?: Post | null;
  tags?: string[];
  notes?: string[];
  extra?: string[];
}

// Field weights: a hit in the title or post author says more than one deep in the page text.
const W_TITLE = 4;
const W_AUTHOR = 3;
const W_URL = 2;
const W_POST = 2;
const W_TAG = 3;
const W_TEXT = 1;
const MAX_W = 255;
/** Captured text beyond this is not indexed (keeps one huge page from dominating the index). */
export const MAX_INDEXED_TEXT = 200_000;

export function termsOfDocument(doc: SearchDocument): Map<string, number> {
  const m = new Map<string, number>();
  if (doc.title) documentTerms(doc.title, m, W_TITLE);
  for (const u of doc.urls ?? []) documentTerms(safeDecode(u), m, W_URL);
  if (doc.text) documentTerms(doc.text.length > MAX_INDEXED_TEXT ? doc.text.slice(0, MAX_INDEXED_TEXT) : doc.text, m, W_TEXT);
  for (let p = doc.post ?? null, depth = 0; p && depth < 3; p = p.quoted, depth++) {
    if (p.title) documentTerms(p.title, m, W_POST);
    if (p.text) documentTerms(p.text, m, W_POST);
    if (p.author?.name) documentTerms(p.author.name, m, W_AUTHOR);
    if (p.author?.id) documentTerms(p.author.id, m, W_AUTHOR);
  }
  for (const t of doc.tags ?? []) documentTerms(t, m, W_TAG);
  for (const n of doc.notes ?? []) documentTerms(n, m, W_TEXT);
  for (const x of doc.extra ?? []) documentTerms(x, m, W_TEXT);
  return m;
}

function safeDecode(u: string): string {
  try {
    return decodeURIComponent(u);
  } catch {
    return u;
  }
}

/** Builds the search document of a stored capture (reads its text.txt artifact). */
export async function documentOfCapture(db: EvidenceDB, row: CaptureRow): Promise<SearchDocument> {
  let text: string | null = null;
  const blob = await getArtifactBlob(db, artifactPath(row.id, 'text'));
  if (blob) text = await blob.text();
  let post: Post | null = null;
  const extra: string[] = [];
  try {
    const rec = JSON.parse(row.recordJson) as { post?: Post | null; page?: { author?: string | null; siteName?: string | null; description?: string | null } };
    post = rec.post ?? null;
    for (const s of [rec.page?.author, rec.page?.siteName, rec.page?.description]) if (s) extra.push(s);
  } catch {
    // A record that does not parse is still findable by its title, URL and text.
  }
  return {
    id: row.id,
    capturedAt: row.capturedAt,
    title: row.title,
    urls: row.finalUrl && row.finalUrl !== row.url ? [row.url, row.finalUrl] : [row.url],
    text,
    post,
    tags: row.tags,
    notes: row.notes.map((n) => n.text),
    extra: [row.site, ...extra],
  };
}

/**
 * Adds (or re-adds) many documents in one transaction. Used by indexCapture for one, and by the
 * catch-up sync and the seed helper for thousands: merging posting lists in batches is far cheaper
 * than one write per document.
 */
export async function indexDocuments(docs: SearchDocument[], sdb: SearchDB = getSearchDb()): Promise<void> {
  if (docs.length === 0) return;
  const prepared = docs.map((d) => ({ d, terms: termsOfDocument(d) }));
  await sdb.transaction('rw', [sdb.terms, sdb.docs, sdb.docTerms, sdb.idChunks], async () => {
    await removeInTx(sdb, docs.map((d) => d.id));
    const nos = (await sdb.docs.bulkAdd(
      prepared.map(({ d }) => ({ id: d.id, capturedAt: d.capturedAt }) as DocRow),
      { allKeys: true },
    )) as number[];
    const add = new Map<string, { nos: number[]; ws: number[] }>();
    prepared.forEach(({ terms }, i) => {
      const no = nos[i]!;
      for (const [t, w] of terms) {
        let e = add.get(t);
        if (!e) add.set(t, (e = { nos: [], ws: [] }));
        e.nos.push(no);
        e.ws.push(Math.min(MAX_W, Math.round(w)));
      }
    });
    await sdb.docTerms.bulkPut(prepared.map(({ terms }, i) => ({ no: nos[i]!, terms: [...terms.keys()] })));
    const chunkNos = [...new Set(nos.map((no) => Math.floor(no / ID_CHUNK)))];
    const chunks = await sdb.idChunks.bulkGet(chunkNos);
    const byChunk = new Map(chunkNos.map((c, i) => [c, chunks[i] ?? { chunk: c, ids: [] as string[] }]));
    prepared.forEach(({ d }, i) => {
      byChunk.get(Math.floor(nos[i]! / ID_CHUNK))!.ids[nos[i]! % ID_CHUNK] = d.id;
    });
    // Arrays with holes do not survive structured cloning as holes everywhere: fill them.
    for (const c of byChunk.values()) for (let k = 0; k < c.ids.length; k++) c.ids[k] ??= '';
    await sdb.idChunks.bulkPut([...byChunk.values()]);
    const keys = [...add.keys()];
    const existing = await sdb.terms.bulkGet(keys);
    const rows: TermRow[] = keys.map((term, i) => {
      const a = add.get(term)!;
      const old = existing[i];
      // New document numbers are always larger than existing ones, so appending keeps lists sorted.
      const n = (old?.nos.length ?? 0) + a.nos.length;
      const nosArr = new Uint32Array(n);
      const wsArr = new Uint8Array(n);
      if (old) {
        nosArr.set(old.nos);
        wsArr.set(old.ws);
      }
      nosArr.set(a.nos, old?.nos.length ?? 0);
      wsArr.set(a.ws, old?.ws.length ?? 0);
      return { term, nos: nosArr, ws: wsArr };
    });
    await sdb.terms.bulkPut(rows);
  });
}

async function removeInTx(sdb: SearchDB, ids: string[]): Promise<void> {
  const found = (await sdb.docs.where('id').anyOf(ids).toArray()).filter((d) => d.no !== undefined);
  if (found.length === 0) return;
  const nos = new Set(found.map((d) => d.no!));
  const termLists = await sdb.docTerms.bulkGet([...nos]);
  const terms = new Set<string>();
  for (const tl of termLists) for (const t of tl?.terms ?? []) terms.add(t);
  const keys = [...terms];
  const rows = await sdb.terms.bulkGet(keys);
  const put: TermRow[] = [];
  const del: string[] = [];
  rows.forEach((row, i) => {
    if (!row) return;
    const keepN: number[] = [];
    const keepW: number[] = [];
    for (let j = 0; j < row.nos.length; j++) {
      if (!nos.has(row.nos[j]!)) {
        keepN.push(row.nos[j]!);
        keepW.push(row.ws[j]!);
      }
    }
    if (keepN.length === 0) del.push(keys[i]!);
    else put.push({ term: keys[i]!, nos: Uint32Array.from(keepN), ws: Uint8Array.from(keepW) });
  });
  await sdb.terms.bulkPut(put);
  await sdb.terms.bulkDelete(del);
  await sdb.docTerms.bulkDelete([...nos]);
  await sdb.docs.bulkDelete([...nos]);
}

/** Removes captures from the index (after deletion). */
export async function removeFromIndex(ids: string[], sdb: SearchDB = getSearchDb()): Promise<void> {
  await sdb.transaction('rw', [sdb.terms, sdb.docs, sdb.docTerms, sdb.idChunks], () => removeInTx(sdb, ids));
}

/**
 * Indexes one stored capture (or removes it when it is deleted or gone). The capture pipeline calls
 * this after the capture's transaction has committed; annotations call it again after tags/notes
 * change. Safe to call twice.
 */
export async function indexCapture(db: EvidenceDB, captureId: string, sdb: SearchDB = getSearchDb()): Promise<void> {
  const row = await db.captures.get(captureId);
  if (!row || row.deleted) return removeFromIndex([captureId], sdb);
  await indexDocuments([await documentOfCapture(db, row)], sdb);
}

/**
 * Brings the index in line with the store: indexes captures it has not seen (e.g. made by another
 * context or the CLI before the index existed) and drops deleted ones. Returns how many were added.
 */
export async function syncIndex(
  db: EvidenceDB,
  sdb: SearchDB = getSearchDb(),
  opts: { batch?: number; onProgress?: (done: number, total: number) => void; full?: boolean } = {},
): Promise<number> {
  // Cheap check first: with as many indexed documents as live captures, the index is taken to be
  // in step (every writer indexes or unindexes as it goes); the full comparison reads all keys.
  const [indexedCount, liveCount] = await Promise.all([sdb.docs.count(), db.captures.where('deleted').equals(0).count()]);
  if (indexedCount === liveCount && !opts.full) return 0;
  const indexed = new Set((await sdb.docs.orderBy('id').keys()) as string[]);
  const all = await db.captures.toCollection().primaryKeys();
  const present = new Set(all);
  const deleted = new Set(await db.captures.where('deleted').equals(1).primaryKeys());
  const missing = all.filter((id) => !indexed.has(id) && !deleted.has(id));
  const stale = [...indexed].filter((id) => deleted.has(id) || !present.has(id));
  if (stale.length) await removeFromIndex(stale, sdb);
  const batch = opts.batch ?? 200;
  for (let i = 0; i < missing.length; i += batch) {
    const rows = (await db.captures.bulkGet(missing.slice(i, i + batch))).filter((r): r is CaptureRow => !!r);
    await indexDocuments(await Promise.all(rows.map((r) => documentOfCapture(db, r))), sdb);
    opts.onProgress?.(Math.min(i + batch, missing.length), missing.length);
  }
  return missing.length;
}

export interface SearchHit {
  id: string;
  score: number;
}

/** Most words a prefix may expand to: keeps typing "a" from reading the whole vocabulary. */
const MAX_PREFIX_TERMS = 300;

/**
 * Searches the index. Returns null when the query has no searchable terms (the caller then shows
 * the plain list), otherwise the hits ranked best first (at most `limit`).
 */
export async function search(query: string, opts: { limit?: number; sdb?: SearchDB } = {}): Promise<SearchHit[] | null> {
  const sdb = opts.sdb ?? getSearchDb();
  const q = queryTerms(query);
  if (q.terms.length === 0 && q.prefix === null) return null;
  const lists: { nos: Uint32Array; ws: Uint8Array }[] = [];
  const rows = await sdb.terms.bulkGet(q.terms);
  for (const r of rows) {
    if (!r) return [];
    lists.push(r);
  }
  if (q.prefix !== null) {
    const expansions = await sdb.terms.where('term').startsWith(q.prefix).limit(MAX_PREFIX_TERMS).toArray();
    if (expansions.length === 0) return [];
    lists.push(unionLists(expansions));
  }
  const total = Math.max(1, await sdb.docs.count());
  lists.sort((a, b) => a.nos.length - b.nos.length);
  // Start from the rarest term: intersecting can only shrink it.
  let scores = new Map<number, number>();
  const first = lists[0]!;
  const idf0 = Math.log(1 + total / first.nos.length);
  for (let j = 0; j < first.nos.length; j++) scores.set(first.nos[j]!, idf0 * Math.log(1 + first.ws[j]!));
  for (let i = 1; i < lists.length && scores.size > 0; i++) {
    const l = lists[i]!;
    const idf = Math.log(1 + total / l.nos.length);
    const next = new Map<number, number>();
    for (let j = 0; j < l.nos.length; j++) {
      const s = scores.get(l.nos[j]!);
      if (s !== undefined) next.set(l.nos[j]!, s + idf * Math.log(1 + l.ws[j]!));
    }
    scores = next;
  }
  const ranked = [...scores].sort((a, b) => b[1] - a[1] || b[0] - a[0]).slice(0, opts.limit ?? 2000);
  const ids = await idsByNo(sdb);
  const out: SearchHit[] = [];
  for (const [no, score] of ranked) {
    const id = ids.get(no);
    if (id !== undefined) out.push({ id, score });
  }
  return out;
}

/**
 * Document number → capture id, cached per index database. The cache is refreshed from the chunk
 * rows whenever the highest document number grew (numbers only grow); stale entries for removed
 * documents are harmless, since their numbers no longer appear in any posting list.
 */
const idCache = new WeakMap<SearchDB, { map: Map<number, string>; maxNo: number }>();

async function idsByNo(sdb: SearchDB): Promise<Map<number, string>> {
  let c = idCache.get(sdb);
  if (!c) idCache.set(sdb, (c = { map: new Map(), maxNo: 0 }));
  const last = ((await sdb.docs.orderBy(':id').lastKey()) as number | undefined) ?? 0;
  if (last > c.maxNo) {
    const rows = await sdb.idChunks.where('chunk').aboveOrEqual(Math.floor(c.maxNo / ID_CHUNK)).toArray();
    for (const r of rows) r.ids.forEach((id, k) => id && c.map.set(r.chunk * ID_CHUNK + k, id));
    c.maxNo = last;
  }
  return c.map;
}

function unionLists(rows: TermRow[]): { nos: Uint32Array; ws: Uint8Array } {
  const m = new Map<number, number>();
  for (const r of rows) for (let j = 0; j < r.nos.length; j++) m.set(r.nos[j]!, Math.max(m.get(r.nos[j]!) ?? 0, r.ws[j]!));
  const nos = new Uint32Array(m.size);
  const ws = new Uint8Array(m.size);
  let k = 0;
  for (const [no, w] of m) {
    nos[k] = no;
    ws[k++] = w;
  }
  return { nos, ws };
}
