import { beforeEach, describe, expect, it } from 'vitest';
import { EvidenceDB } from '../../src/store/db';
import { SearchDB } from '../../src/search/db';
import { seedCaptures } from '../../src/store/seed';
import { createCase, moveCapture } from '../../src/store/cases';
import { deleteCapture } from '../../src/store/delete';
import { getArtifact } from '../../src/store/captures';
import { diffStats, diffText, segments } from '../../src/ui/library/diff';
import { hardenSnapshotHtml, SNAPSHOT_CSP } from '../../src/ui/library/snapshot';
import { EMPTY_FILTERS, listCaptures, storageState, versionsOf, formatBytes } from '../../src/ui/library/model';

describe('diffText', () => {
  it('shows a deleted Chinese sentence and a changed number inside a sentence', () => {
    const before = '郑州通报：5名干部被问责。储户反映健康码变红。';
    const after = '郑州通报：3名干部被问责。';
    const ops = diffText(before, after);
    expect(ops).toEqual([
      { op: 'eq', text: '郑州通报：' },
      { op: 'del', text: '5' },
      { op: 'ins', text: '3' },
      { op: 'eq', text: '名干部被问责。' },
      { op: 'del', text: '储户反映健康码变红。' },
    ]);
    expect(diffStats(ops)).toEqual({ inserted: 1, deleted: 11 });
  });

  it('diffs English by words and lines; identical texts are one equal run', () => {
    const ops = diffText('Officials were punished.\nSecond line\n', 'Officials were not punished.\nSecond line\n');
    expect(ops.filter((o) => o.op !== 'eq')).toEqual([{ op: 'ins', text: 'not ' }]);
    expect(diffText('同一段文字', '同一段文字')).toEqual([{ op: 'eq', text: '同一段文字' }]);
  });

  it('keeps every character: joining the sides gives back each text', () => {
    const a = '第一句。第二句！\nline two\n末尾';
    const b = '第一句。改过的第二句！\nline 2\n';
    const ops = diffText(a, b);
    expect(ops.filter((o) => o.op !== 'ins').map((o) => o.text).join('')).toBe(a);
    expect(ops.filter((o) => o.op !== 'del').map((o) => o.text).join('')).toBe(b);
    expect(segments(a).join('')).toBe(a);
  });
});

describe('hardenSnapshotHtml', () => {
  it('puts the CSP first (after the doctype) and strips refresh and base', () => {
    const out = hardenSnapshotHtml('<!DOCTYPE html><html><head><meta http-equiv="refresh" content="0;url=https://evil.example/"><base href="https://evil.example/"></head><body><img src="https://t.example/p.gif"></body></html>');
    expect(out.startsWith(`<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="${SNAPSHOT_CSP}">`)).toBe(true);
    expect(out).not.toMatch(/refresh/i);
    expect(out).not.toMatch(/<base/i);
    expect(SNAPSHOT_CSP).toContain("default-src 'none'");
    expect(SNAPSHOT_CSP).not.toMatch(/https?:|\*/);
  });
});

describe('listCaptures', () => {
  let db: EvidenceDB;
  let sdb: SearchDB;
  let n = 0;
  beforeEach(async () => {
    db = new EvidenceDB(`lib-test-${n}`);
    sdb = new SearchDB(`lib-search-${n++}`);
  });

  it('pages newest first, filters by case, and hides deleted captures', async () => {
    const ids = await seedCaptures(db, 30, { index: sdb });
    const first = await listCaptures(db, EMPTY_FILTERS, 'time-desc', 10, sdb);
    expect(first.rows.map((r) => r.id)).toEqual(ids.slice(-10).reverse());
    expect(first.more).toBe(true);
    const c = await createCase(db, 'A');
    await moveCapture(db, ids[3]!, c.id);
    await moveCapture(db, ids[5]!, c.id);
    await deleteCapture(db, ids[5]!);
    const inCase = await listCaptures(db, { ...EMPTY_FILTERS, caseId: c.id }, 'time-desc', 10, sdb);
    expect(inCase.rows.map((r) => r.id)).toEqual([ids[3]]);
    expect(inCase.more).toBe(false);
  });

  it('filters by site, date range and trusted-time status', async () => {
    await seedCaptures(db, 40, { index: sdb, start: new Date(Date.UTC(2022, 5, 14, 23, 50)) });
    const day = await listCaptures(db, { ...EMPTY_FILTERS, from: '2022-06-15', to: '2022-06-15' }, 'time-asc', 100, sdb);
    expect(day.rows.length).toBe(30); // 23:50–23:59 are on the 14th
    expect(day.rows.every((r) => r.capturedAt.startsWith('2022-06-15'))).toBe(true);
    const weibo = await listCaptures(db, { ...EMPTY_FILTERS, site: 'weibo.com', trustedTime: 'stamped' }, 'time-desc', 100, sdb);
    expect(weibo.rows.length).toBeGreaterThan(0);
    expect(weibo.rows.every((r) => r.site === 'weibo.com' && r.trustedTime === 'stamped')).toBe(true);
  });

  it('searches in Chinese and English, and finds nothing for an unknown word', async () => {
    await seedCaptures(db, 40, { index: sdb });
    const zh = await listCaptures(db, { ...EMPTY_FILTERS, query: '赋红码' }, 'time-desc', 100, sdb);
    expect(zh.searched).toBe(true);
    expect(zh.rows.length).toBeGreaterThan(0);
    for (const r of zh.rows) expect(await (await getArtifact(db, `captures/${r.id}/text.txt`)).text()).toContain('赋红码');
    const en = await listCaptures(db, { ...EMPTY_FILTERS, query: 'depositors' }, 'time-desc', 100, sdb);
    expect(en.rows.length).toBeGreaterThan(0);
    const none = await listCaptures(db, { ...EMPTY_FILTERS, query: 'xylophone' }, 'time-desc', 100, sdb);
    expect(none.rows).toEqual([]);
  });

  it('lists versions of the same URL oldest first', async () => {
    const ids = await seedCaptures(db, 14, { index: false });
    // The seed revisits URL no. 0 at capture 6 and URL no. 1 at capture 13.
    const v = await versionsOf(db, (await db.captures.get(ids[0]!))!);
    expect(v.map((r) => r.id)).toEqual([ids[0], ids[6]]);
  });
});

describe('storage', () => {
  it('warns at 80% of the quota', () => {
    expect(storageState({ usage: 79, quota: 100 }).warn).toBe(false);
    expect(storageState({ usage: 80, quota: 100 }).warn).toBe(true);
    expect(storageState({}).warn).toBe(false);
    expect(formatBytes(1536)).toBe('1.5 KB');
  });
});

describe('createSnapshotFrame', () => {
  it('makes a frame with an empty sandbox (no allow-* at all), the CSP, and the hardened snapshot from a blob: URL', async () => {
    const { parseHTML } = await import('linkedom');
    const { createSnapshotFrame } = await import('../../src/ui/library/snapshot');
    const { document } = parseHTML('<!doctype html><html><body></body></html>');
    const made: Blob[] = [];
    const f = createSnapshotFrame(document as unknown as Document, '<script>alert(1)</script><p>红码</p>', 'snapshot', (b) => (made.push(b), 'blob:test/1'));
    expect(f.getAttribute('sandbox')).toBe('');
    expect(f.getAttribute('data-testid')).toBe('snapshot-frame');
    expect(f.getAttribute('csp')).toBe(SNAPSHOT_CSP);
    expect(f.getAttribute('src')).toBe('blob:test/1');
    expect(f.hasAttribute('srcdoc')).toBe(false); // srcdoc would force standards mode
    expect(made).toHaveLength(1);
    expect(made[0]!.type).toBe('text/html;charset=utf-8');
    const text = await made[0]!.text();
    expect(text.startsWith('<meta http-equiv="Content-Security-Policy"')).toBe(true);
    expect(text).toContain('<p>红码</p>');
  });

  it('keeps a page without a doctype without one, so the viewer renders it in quirks mode as the live page was', () => {
    expect(hardenSnapshotHtml('<html><body style="height:100%">x</body></html>')).not.toMatch(/<!doctype/i);
    expect(hardenSnapshotHtml('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN"><html></html>')).toMatch(/^<!DOCTYPE HTML PUBLIC "-\/\/W3C\/\/DTD HTML 4.01 Transitional\/\/EN"><meta/);
  });
});
