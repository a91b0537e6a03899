import { beforeEach, describe, expect, it } from 'vitest';
import { SearchDB } from '../../src/search/db';
import { indexDocuments, removeFromIndex, search, type SearchDocument } from '../../src/search/index';
import { queryTerms } from '../../src/search/tokenize';

let sdb: SearchDB;
let n = 0;
beforeEach(() => {
  sdb = new SearchDB(`search-test-${n++}`);
});

const doc = (id: string, fields: Partial<SearchDocument>): SearchDocument => ({ id, capturedAt: '2022-06-14T00:00:00.000Z', ...fields });
const ids = async (q: string): Promise<string[] | null> => (await search(q, { sdb }))?.map((h) => h.id) ?? null;

describe('queryTerms', () => {
  it('splits Chinese into bigrams and keeps the last Latin word as a prefix while typing', () => {
    expect(queryTerms('郑州储户').terms).toEqual(['郑州', '州储', '储户']);
    expect(queryTerms('health co')).toEqual({ terms: ['health'], prefix: 'co' });
    expect(queryTerms('health code ')).toEqual({ terms: ['health', 'code'], prefix: null });
    expect(queryTerms('码').terms).toEqual(['码']);
  });
});

describe('search', () => {
  beforeEach(async () => {
    await indexDocuments(
      [
        doc('a', { title: '河南村镇银行储户被赋红码', text: '多名储户到郑州维权后健康码变红。' }),
        doc('b', { title: 'Depositors given red health codes', text: 'Zhengzhou officials were punished for the red code abuse.' }),
        doc('c', { title: '郑州发布', text: '郑州市疫情防控指挥部通报核酸检测结果' }),
        doc('d', { title: '无关页面', urls: ['https://example.org/weather'], text: '今天天气晴' }),
        doc('e', {
          title: null,
          post: { platform: 'weibo', id: '1', url: null, author: { name: '禹州新民生', id: null, url: null }, title: null, text: '取款难，转码申诉无门', publishedAt: null, publishedAtText: null, media: [], metrics: { reposts: null, comments: null, likes: null }, quoted: null, status: 'available' },
        }),
      ],
      sdb,
    );
  });

  it('finds 红码 inside 赋红码 although Chinese has no spaces', async () => {
    expect(await ids('红码')).toEqual(['a']);
  });

  it('finds 郑州 in a run without spaces and in a title', async () => {
    expect((await ids('郑州'))!.sort()).toEqual(['a', 'c']);
  });

  it('finds English words case-insensitively and ranks a title hit first', async () => {
    expect(await ids('ZHENGZHOU')).toEqual(['b']);
    await indexDocuments([doc('f', { title: 'note', text: 'a depositors list' })], sdb);
    expect(await ids('depositors ')).toEqual(['b', 'f']);
  });

  it('requires every term (AND)', async () => {
    expect(await ids('储户 郑州')).toEqual(['a']);
    expect(await ids('储户 天气')).toEqual([]);
    expect(await ids('red code zhengzhou')).toEqual(['b']);
  });

  it('answers an empty list for a word that matches nothing, and null for an empty query', async () => {
    expect(await ids('不存在的词')).toEqual([]);
    expect(await ids('nonexistentword ')).toEqual([]);
    expect(await ids('  ,, ')).toBeNull();
  });

  it('folds full-width forms (NFKC) on both sides', async () => {
    expect(await ids('ＺＨＥＮＧＺＨＯＵ')).toEqual(['b']);
    await indexDocuments([doc('g', { text: '热线１２３４５投诉' })], sdb);
    expect(await ids('12345')).toEqual(['g']);
  });

  it('searches post fields and URLs, and matches a word still being typed as a prefix', async () => {
    expect(await ids('转码申诉')).toEqual(['e']);
    expect(await ids('禹州')).toEqual(['e']);
    expect(await ids('weath')).toEqual(['d']);
    expect(await ids('depos')).toEqual(['b']);
  });

  it('forgets removed and re-indexed documents', async () => {
    await removeFromIndex(['a'], sdb);
    expect(await ids('红码')).toEqual([]);
    await indexDocuments([doc('c', { title: 'renamed', text: 'nothing' })], sdb);
    expect(await ids('郑州')).toEqual([]);
    expect(await ids('renamed')).toEqual(['c']);
  });
});

describe('syncIndex', () => {
  it('indexes captures the index has not seen and drops deleted ones', async () => {
    const { EvidenceDB } = await import('../../src/store/db');
    const { seedCaptures } = await import('../../src/store/seed');
    const { deleteCapture } = await import('../../src/store/delete');
    const { syncIndex } = await import('../../src/search/index');
    const db = new EvidenceDB(`sync-test-${n++}`);
    const ids = await seedCaptures(db, 5, { index: false });
    expect(await search('红码 ', { sdb })).toEqual([]);
    expect(await syncIndex(db, sdb)).toBe(5);
    expect(await syncIndex(db, sdb)).toBe(0);
    const all = (await search('the', { sdb }))!.length + (await search('郑州', { sdb }))!.length;
    expect(all).toBeGreaterThan(0);
    await deleteCapture(db, ids[0]!);
    await syncIndex(db, sdb);
    expect(await sdb.docs.where('id').equals(ids[0]!).count()).toBe(0);
    expect(await sdb.docs.count()).toBe(4);
  });
});
