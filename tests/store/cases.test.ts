import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CASE_ID, EvidenceDB } from '../../src/store/db';
import { archiveCase, createCase, ensureDefaultCase, getActiveCaseId, listCases, moveCapture, renameCase, setActiveCaseId } from '../../src/store/cases';
import { readLedger, verifyStoredLedger } from '../../src/store/ledger-store';
import { seedCaptures } from '../../src/store/seed';

let db: EvidenceDB;
let n = 0;
beforeEach(() => {
  db = new EvidenceDB(`cases-test-${n++}`);
});

describe('cases', () => {
  it('creates the default case once, with one case-created event', async () => {
    await ensureDefaultCase(db);
    await ensureDefaultCase(db);
    expect((await listCases(db)).map((c) => c.id)).toEqual([DEFAULT_CASE_ID]);
    expect((await readLedger(db)).map((e) => e.type)).toEqual(['case-created']);
  });

  it('records create, rename and archive as ledger events and keeps the chain valid', async () => {
    await ensureDefaultCase(db);
    const c = await createCase(db, '  河南 红码  ');
    expect(c.name).toBe('河南 红码');
    await renameCase(db, c.id, '河南红码 2022');
    await archiveCase(db, c.id);
    const events = await readLedger(db);
    expect(events.map((e) => e.type)).toEqual(['case-created', 'case-created', 'case-renamed', 'case-archived']);
    expect(events[2]!.payload).toEqual({ caseId: c.id, from: '河南 红码', to: '河南红码 2022' });
    expect((await verifyStoredLedger(db)).ok).toBe(true);
    expect((await listCases(db)).map((x) => x.id)).toEqual([DEFAULT_CASE_ID]);
    expect((await listCases(db, { includeArchived: true })).map((x) => x.id)).toContain(c.id);
  });

  it('refuses an empty name and archiving the default case', async () => {
    await ensureDefaultCase(db);
    await expect(createCase(db, '   ')).rejects.toThrow();
    await expect(archiveCase(db, DEFAULT_CASE_ID)).rejects.toThrow();
  });

  it('keeps the active case in kv and falls back to the default when it is archived', async () => {
    expect(await getActiveCaseId(db)).toBe(DEFAULT_CASE_ID);
    const c = await createCase(db, 'Zhengzhou');
    await setActiveCaseId(db, c.id);
    expect(await getActiveCaseId(db)).toBe(c.id);
    await archiveCase(db, c.id);
    expect(await getActiveCaseId(db)).toBe(DEFAULT_CASE_ID);
    await expect(setActiveCaseId(db, c.id)).rejects.toThrow();
  });

  it('moves a capture to another case with a capture-moved event', async () => {
    const [id] = await seedCaptures(db, 1, { index: false });
    const c = await createCase(db, 'other');
    await moveCapture(db, id!, c.id);
    expect((await db.captures.get(id!))!.caseId).toBe(c.id);
    expect((await readLedger(db)).at(-1)).toMatchObject({ type: 'capture-moved', captureId: id, payload: { from: DEFAULT_CASE_ID, to: c.id } });
    expect((await verifyStoredLedger(db)).ok).toBe(true);
  });
});
