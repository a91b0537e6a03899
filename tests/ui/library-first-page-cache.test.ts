import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIRST_PAGE_CACHE_KEY, forgetCachedFirstPage, readCachedFirstPage, writeCachedFirstPage } from '../../src/ui/library/first-page-cache';
import type { FirstPage } from '../../src/ui/library/first-page';
import type { CaseRow, ListRow } from '../../src/store/schema';

/** A Storage in memory; `full` makes setItem fail as a full quota does. */
function memoryStorage() {
  const m = new Map<string, string>();
  return {
    full: false,
    getItem: (k: string) => m.get(k) ?? null,
    setItem(k: string, v: string) {
      if (this.full) throw Object.assign(new Error('quota'), { name: 'QuotaExceededError' });
      m.set(k, v);
    },
    removeItem: (k: string) => void m.delete(k),
  };
}

const row = (id: string, caseId: string, over: Partial<ListRow> = {}): ListRow => ({
  id,
  caseId,
  url: `https://news.example/${id}`,
  capturedAt: '2022-06-14T08:00:00.000Z',
  title: `郑州储户健康码变红 ${id}`,
  site: 'news.example',
  platform: null,
  postStatus: null,
  tags: ['红码'],
  trustedTime: 'pending',
  ...over,
});
const kase = (id: string, name: string) => ({ id, name, createdAt: '2022-06-01T00:00:00.000Z' }) as unknown as CaseRow;

describe('the first page kept for the next visit', () => {
  let storage: ReturnType<typeof memoryStorage>;
  const g = globalThis as { localStorage?: unknown };
  beforeEach(() => {
    storage = memoryStorage();
    g.localStorage = storage;
  });
  afterEach(() => {
    delete g.localStorage;
  });

  const page: FirstPage = {
    rows: [row('a', 'default'), row('b', 'henan', { title: null, platform: 'weibo', postStatus: 'deleted' })],
    more: true,
    cases: [kase('default', 'Default'), kase('henan', '河南红码'), kase('other', 'Unrelated case')],
  };

  it('gives back the rows as written, with only the cases they name', () => {
    expect(readCachedFirstPage()).toBeNull();
    expect(writeCachedFirstPage(page)).toBe(true);
    const back = readCachedFirstPage()!;
    expect(back.rows).toEqual(page.rows);
    expect(back.more).toBe(true);
    expect(back.cases.map((c) => c.id).sort()).toEqual(['default', 'henan']);
  });

  it('says whether the page differs from the one kept', () => {
    expect(writeCachedFirstPage(page)).toBe(true);
    expect(writeCachedFirstPage({ ...page, rows: [...page.rows] })).toBe(false);
    expect(writeCachedFirstPage({ ...page, rows: [row('c', 'default'), ...page.rows] })).toBe(true);
    expect(readCachedFirstPage()!.rows[0]!.id).toBe('c');
  });

  it('ignores what it did not write: another version, broken JSON, rows of another shape', () => {
    writeCachedFirstPage(page);
    const good = storage.getItem(FIRST_PAGE_CACHE_KEY)!;
    storage.setItem(FIRST_PAGE_CACHE_KEY, good.replace('"v":1', '"v":2'));
    expect(readCachedFirstPage()).toBeNull();
    storage.setItem(FIRST_PAGE_CACHE_KEY, good.slice(0, -3));
    expect(readCachedFirstPage()).toBeNull();
    storage.setItem(FIRST_PAGE_CACHE_KEY, JSON.stringify({ v: 1, rows: [{ id: 'x', title: '<img src=x onerror=alert(1)>' }], more: false, cases: [] }));
    expect(readCachedFirstPage()).toBeNull();
    storage.setItem(FIRST_PAGE_CACHE_KEY, JSON.stringify({ v: 1, rows: [{ ...row('x', 'd'), tags: [1] }], more: false, cases: [] }));
    expect(readCachedFirstPage()).toBeNull();
  });

  it('is forgotten on request, and dropped rather than left old when the quota is full', () => {
    writeCachedFirstPage(page);
    forgetCachedFirstPage();
    expect(readCachedFirstPage()).toBeNull();
    writeCachedFirstPage(page);
    storage.full = true;
    expect(writeCachedFirstPage({ ...page, rows: [row('z', 'default')] })).toBe(true);
    expect(storage.getItem(FIRST_PAGE_CACHE_KEY)).toBeNull();
  });

  it('works without storage (no cache, every page drawn)', () => {
    delete g.localStorage;
    expect(readCachedFirstPage()).toBeNull();
    expect(writeCachedFirstPage(page)).toBe(true);
  });
});
